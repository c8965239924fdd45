// 通讯录 (/directory.html): find colleagues by part of a name or list a branch; each person as the
// API gives her — only the fields the organisation lets this member see — and a phone number,
// when there is one, as a tap-to-call link. Signed out, the page keeps its 请先登录.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const NAME = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z·• ]+$/;

let more = null; // () => Promise: the next page of what is shown

function person(row) {
  const li = el('li', 'dir-person');
  const who = el('div', 'dir-who');
  who.append(el('span', 'dir-name', row.self ? `${row.name}（我）` : row.name));
  const meta = [
    row.branch && row.branch.name,
    row.roles && row.roles.length ? row.roles.join('、') : '',
    row.status,
    row.gender,
  ].filter(Boolean);
  if (meta.length) who.append(el('span', 'dir-meta', meta.join(' · ')));
  li.append(who);
  if (row.phone) {
    const call = el('a', 'dir-call', row.phone);
    call.href = `tel:${row.phone.replace(/[^0-9+]/g, '')}`;
    call.setAttribute('aria-label', `拨打 ${row.name} 的电话 ${row.phone}`);
    li.append(call);
  }
  return li;
}

function show(answer, status, fresh) {
  const list = $('dir-list');
  if (fresh) list.replaceChildren();
  list.append(...answer.results.map(person));
  $('dir-status').textContent = list.children.length ? status(list.children.length) : '没有找到，换个字试试，或按支部查看。';
  $('dir-more').hidden = !answer.next;
  return answer.next;
}

async function run(load) {
  hideError($('dir-error'));
  $('dir-more').hidden = true;
  try {
    await load();
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('dir-error'), error.message);
  }
}

function search(q) {
  const page = async (cursor) => {
    const query = `q=${encodeURIComponent(q)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const next = show(await api(`/api/directory/search?${query}`), (n) => `找到 ${n} 位同志`, !cursor);
    more = next ? () => page(next) : null;
  };
  $('dir-branch').value = '';
  return run(() => page(null));
}

function listBranch(id, name) {
  const page = async (cursor) => {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const answer = await api(`/api/directory/branches/${encodeURIComponent(id)}${query}`);
    const next = show(answer, (n) => `${name}：${n} 位同志`, !cursor);
    more = next ? () => page(next) : null;
  };
  return run(() => page(null));
}

async function loadBranches() {
  const answer = await api('/api/directory/branches');
  const select = $('dir-branch');
  for (const b of answer.branches) {
    select.append(new Option(b.above ? `${b.name}（${b.above}）` : b.name, b.id));
  }
  select.disabled = false;
  select.addEventListener('change', () => {
    const option = select.selectedOptions[0];
    if (select.value) listBranch(select.value, option.textContent);
  });
}

function signedOut() {
  $('dir-view').hidden = true;
  $('dir-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('dir-login').hidden = true;
  $('dir-view').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  $('dir-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = $('dir-q').value.trim().replace(/\s+/g, ' ');
    hideError($('dir-error'));
    if (!q) showError($('dir-error'), '请输入要查找的姓名');
    else if (q.length > 20) showError($('dir-error'), '姓名最多 20 个字');
    else if (!NAME.test(q)) showError($('dir-error'), '姓名只能包含汉字、字母、空格和“·”');
    else search(q);
  });
  $('dir-search').disabled = false;
  $('dir-more').addEventListener('click', () => more && run(more));
  try {
    await loadBranches();
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('dir-error'), `支部列表暂时无法显示：${error.message}`);
  }
}

main();
