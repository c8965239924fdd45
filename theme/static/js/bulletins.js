// 检查通报 (/bulletins.html): the 通报 naming her units, newest first, each with her unit's total,
// rank and grade; one 通报 (?id=): the summary, every unit's total (rank, grade), and the item
// scores and comments of the units she may read (her own; staff over a unit, theirs too).
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { showError } from './form.js';

const $ = (id) => document.getElementById(id);
const id = new URLSearchParams(location.search).get('id');

function fmtDate(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

function result(unit) {
  let text = `${unit.total} 分`;
  if (unit.rank) text += ` · 第 ${unit.rank} 名`;
  if (unit.grade) text += ` · ${unit.grade}`;
  return text;
}

async function showList() {
  const { bulletins } = await api('/api/bulletins');
  const list = $('bl-list');
  for (const b of bulletins) {
    const li = el('li');
    const link = el('a', 'bl-item');
    link.href = `/bulletins.html?id=${encodeURIComponent(b.id)}`;
    link.append(el('strong', '', b.title), el('span', 'ci-meta', `${b.owner_name} · ${b.quarter_label} · ${fmtDate(b.published_at)}`));
    if (b.unit) link.append(el('span', 'bl-mine', `${b.unit.name}：${result(b.unit)}`));
    li.append(link);
    list.append(li);
  }
  $('bl-none').hidden = bulletins.length > 0;
}

async function showOne() {
  const b = await api(`/api/bulletins/${encodeURIComponent(id)}`);
  document.title = `${b.title} · 检查通报`;
  $('bl-list').hidden = true;
  $('bl-one-title').textContent = b.title;
  $('bl-one-meta').textContent = `${b.owner.name} · ${b.quarter_label} · ${fmtDate(b.published_at)}发布`;
  $('bl-summary').replaceChildren(...b.summary.split('\n').filter(Boolean).map((p) => el('p', '', p)));
  const units = $('bl-units');
  for (const u of b.units) {
    const li = el('li', u.mine ? 'bl-unit is-mine' : 'bl-unit');
    li.append(el('span', 'bl-unit-name', u.mine ? `${u.name}（本单位）` : u.name), el('span', 'bl-unit-score', result(u)));
    units.append(li);
  }
  const items = new Map(b.checklist.items.map((i) => [i.key, i]));
  const comments = $('bl-comments');
  for (const u of b.units.filter((x) => x.items)) {
    const section = el('section', 'bl-detail');
    section.append(el('h3', '', `${u.name}检查意见`));
    const ol = el('ul', 'bl-items');
    for (const row of u.items) {
      const item = items.get(row.key);
      const li = el('li', 'bl-item-row');
      li.append(el('span', 'bl-item-label', `${item.category} · ${item.label}`), el('span', 'bl-item-score', `${row.score} / ${item.max} 分`));
      if (row.comment) li.append(el('p', 'bl-item-comment', row.comment));
      ol.append(li);
    }
    section.append(ol);
    comments.append(section);
  }
  $('bl-one').hidden = false;
}

async function main() {
  const login = $('bl-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('bl').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('bl').hidden = true;
    login.hidden = false;
    return;
  }
  try {
    if (id) await showOne();
    else await showList();
  } catch (error) {
    if (error.status === 401) {
      $('bl').hidden = true;
      login.hidden = false;
    } else {
      showError($('bl-error'), `暂时无法显示：${error.message}`);
    }
  }
}

main();
