// 我的诉求 (/requests.html): the form (category, text, photos uploaded straight to storage,
// anonymous), her requests with their timelines, withdrawal before acceptance, the rating of an
// answered one (满意 / 基本满意 / 不满意 and a short comment, once), and the anonymised answered
// requests when the organisation publishes them. A retry of the submission sends the same key.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { item, key, time } from './requests_view.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const RATINGS = [['satisfied', '满意'], ['basic', '基本满意'], ['unsatisfied', '不满意']];
let pendingKey = key(); // one submission, however often the button is tapped or the call retried
let photosMax = 6;

async function uploadPhoto(file) {
  const form = await api('/api/service-requests/photo-uploads', {
    method: 'POST',
    body: { content_type: file.type, size: file.size },
  });
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append('file', file);
  const sent = await fetch(form.url, { method: 'POST', body: data });
  if (!sent.ok) throw new Error('照片上传失败，请重试');
  return form.key;
}

function ratingForm(r) {
  const form = el('form', 'rq-rate');
  form.noValidate = true;
  const group = el('div', 'rq-rate-choices');
  group.setAttribute('role', 'radiogroup');
  group.setAttribute('aria-label', '对答复的评价');
  for (const [value, label] of RATINGS) {
    const choice = el('label', 'rq-rate-choice');
    const input = el('input');
    input.type = 'radio';
    input.name = `rate-${r.id}`;
    input.value = value;
    choice.append(input, el('span', '', label));
    group.append(choice);
  }
  const comment = el('input', 'cell-input rq-rate-comment');
  comment.maxLength = 100;
  comment.placeholder = '评价意见（选填，100 字以内）';
  comment.setAttribute('aria-label', '评价意见');
  const error = el('p', 'toptips');
  error.hidden = true;
  error.setAttribute('role', 'alert');
  const button = el('button', 'btn btn-mini', '提交评价');
  button.type = 'submit';
  form.append(el('p', 'rq-rate-title', '请对答复作出评价'), group, comment, error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError(error);
    const chosen = form.querySelector('input[type="radio"]:checked');
    if (!chosen) return showError(error, '请选择满意、基本满意或不满意');
    const body = { rating: chosen.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    button.disabled = true;
    try {
      await api(`/api/service-requests/${encodeURIComponent(r.id)}/rating`, { method: 'POST', body });
      toast('感谢您的评价');
      await loadMine();
    } catch (e) {
      showError(error, e.message);
      button.disabled = false;
    }
    return null;
  });
  return form;
}

function mine(r) {
  const li = item(r);
  if (r.may.includes('withdraw')) {
    const row = el('div', 'btn-row');
    const button = el('button', 'btn btn-mini btn-default', '撤回');
    button.type = 'button';
    button.addEventListener('click', async () => {
      if (!(await confirmDialog({ title: '撤回该诉求？', text: '受理前可以撤回，撤回后不再办理。', ok: '撤回', danger: true }))) return;
      try {
        await api(`/api/service-requests/${encodeURIComponent(r.id)}/withdrawal`, { method: 'POST', body: {} });
        toast('已撤回');
        await loadMine();
      } catch (e) {
        showError($('rq-error'), e.message);
      }
    });
    row.append(button);
    li.append(row);
  }
  if (r.may.includes('rate')) li.append(ratingForm(r));
  return li;
}

let nextMine = null; // the cursor of her next page of requests (50 a page)

async function loadMine(more = false) {
  const query = more && nextMine ? `?cursor=${encodeURIComponent(nextMine)}` : '';
  const { requests, next } = await api(`/api/me/service-requests${query}`);
  if (more) $('rq-list').append(...requests.map(mine));
  else $('rq-list').replaceChildren(...requests.map(mine));
  nextMine = next || null;
  $('rq-more').hidden = !nextMine;
  $('rq-list').setAttribute('aria-busy', 'false');
  $('rq-empty').hidden = $('rq-list').children.length > 0;
}

async function loadPublic() {
  const found = await api('/api/service-requests/answered');
  if (!found.enabled || !found.requests.length) return;
  $('rq-public').hidden = false;
  $('rq-public-list').replaceChildren(...found.requests.map((r) => {
    const li = el('li', 'rq-item is-closed');
    const head = el('div', 'rq-item-hd');
    head.append(el('span', 'rq-item-title', r.category_label));
    head.append(el('span', 'rq-state is-closed', `${r.unit_name} · ${time(r.closed_at)}答复`));
    li.append(head, el('p', 'rq-text', r.text));
    const facts = el('dl', 'rq-facts');
    facts.append(el('dt', '', '答复'), el('dd', '', r.answer));
    li.append(facts);
    return li;
  }));
}

async function setUpForm() {
  const found = await api('/api/service-requests/categories');
  photosMax = found.photos_max;
  const select = $('rq-category');
  select.replaceChildren(el('option', '', '请选择类别'));
  select.firstChild.value = '';
  for (const c of found.categories) {
    const option = el('option', '', c.label);
    option.value = c.key;
    select.append(option);
  }
  $('rq-limits').textContent = `最多 ${photosMax} 张照片。一般 ${found.categories[0].accept_hours} 小时内受理，受理后按时限办结并答复。`;
  const form = $('rq-form');
  $('rq-submit').disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('rq-form-error');
    hideError(error);
    const text = $('rq-text').value.trim();
    if (!select.value) return showError(error, '请选择诉求类别');
    if (text.length < 5) return showError(error, '请填写诉求内容（至少 5 个字）');
    const files = [...$('rq-photos').files];
    if (files.length > photosMax) return showError(error, `最多上传 ${photosMax} 张照片`);
    $('rq-submit').disabled = true;
    try {
      const photos = [];
      for (const file of files) photos.push(await uploadPhoto(file));
      const body = { category: select.value, text, anonymous: $('rq-anon').checked, request_key: pendingKey };
      if (photos.length) body.photos = photos;
      await api('/api/service-requests', { method: 'POST', body });
      pendingKey = key();
      form.reset();
      toast('已提交，请留意办理进度');
      await loadMine();
    } catch (e) {
      showError(error, e.message);
    } finally {
      $('rq-submit').disabled = false;
    }
    return null;
  });
}

async function main() {
  const login = $('rq-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('rq').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('rq').hidden = true;
    login.hidden = false;
    return;
  }
  $('rq-more').addEventListener('click', async () => {
    $('rq-more').disabled = true;
    try {
      await loadMine(true);
    } catch (error) {
      showError($('rq-error'), `暂时无法显示：${error.message}`);
    } finally {
      $('rq-more').disabled = false;
    }
  });
  try {
    await Promise.all([setUpForm(), loadMine()]);
    await loadPublic();
  } catch (error) {
    if (error.status === 401) {
      $('rq').hidden = true;
      login.hidden = false;
    } else {
      showError($('rq-error'), `暂时无法显示：${error.message}`);
    }
    $('rq-list').setAttribute('aria-busy', 'false');
  }
}

main();
