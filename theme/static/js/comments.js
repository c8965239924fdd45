// 学习点评 under an article: list (精选 first, newest first), count, post, edit or delete one's own
// within 15 minutes, and hide / feature for reviewers of the commenter's branch.
// Member text is set ONLY with textContent (never innerHTML) and shown with white-space: pre-wrap.
import { api, getToken, loginUrl, refresh } from './api.js';
import { el, when } from './dom.js';

const box = document.getElementById('comments');
const $ = (id) => document.getElementById(id);
const slug = box ? box.dataset.slug : '';
const base = `/api/articles/${encodeURIComponent(slug)}/comments`;
const place = `${location.pathname}${location.search}#comments`; // where login brings her back
const MIN = 5;
const MAX = 500;
let next = null;
let signedIn = false;

const chars = (text) => [...text.trim().replace(/\r\n?/g, '\n')].length;

function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// One message at a time: an error replaces the note of an earlier post (and a note an error).
function showNote(message) {
  const note = $('comment-note');
  note.textContent = message;
  note.hidden = !message;
  if (message) {
    $('comment-error').textContent = '';
    $('comment-error').hidden = true;
  }
}

function showError(message) {
  const area = $('comment-error');
  area.textContent = message;
  area.hidden = !message;
  if (message) showNote('');
}

// Dialogs and toasts are fetched when first needed: most readers of an article never see one.
function awardToast(what, award) {
  import('./toast.js').then((m) => m.awardToast(what, award)).catch(() => {});
}

function button(label, action) {
  const b = el('button', 'comment-action', label);
  b.type = 'button';
  b.dataset.action = action;
  return b;
}

function render(c) {
  const li = el('li', 'comment');
  li.dataset.id = c.id;
  const head = el('div', 'comment-hd');
  head.append(el('span', 'comment-author', c.author), el('span', 'comment-branch', c.branch));
  if (c.featured) head.append(el('span', 'badge comment-featured', '精选'));
  if (c.status !== 'visible') head.append(el('span', 'badge comment-status', c.status_label));
  const text = el('p', 'comment-text', c.text); // plain text, never parsed as HTML
  const foot = el('div', 'comment-ft');
  foot.append(el('time', 'comment-time', when(c.created_at) + (c.edited ? ' 已编辑' : '')));
  if (c.editable_until) foot.append(button('编辑', 'edit'), button('删除', 'delete'));
  if (c.can_moderate) {
    if (c.status === 'visible') foot.append(button('隐藏', 'hide'), button(c.featured ? '取消精选' : '精选', c.featured ? 'unfeature' : 'feature'));
    else if (c.status === 'held' || c.status === 'pending') foot.append(button('通过', 'approve'));
  }
  li.append(head, text, foot);
  li.comment = c;
  return li;
}

function setCount(count) {
  $('comments-count').textContent = `（${count}）`;
}

async function load(more = false) {
  showError('');
  let data;
  try {
    data = await api(more && next ? `${base}?cursor=${encodeURIComponent(next)}` : base);
  } catch (e) {
    showError(e.message);
    return;
  }
  if (!more) {
    $('comment-featured').textContent = '';
    $('comment-list').textContent = '';
    for (const c of data.featured) $('comment-featured').append(render(c));
  }
  const seen = new Set([...box.querySelectorAll('.comment')].map((li) => li.dataset.id));
  for (const c of data.items) if (!seen.has(c.id)) $('comment-list').append(render(c));
  setCount(data.count);
  next = data.next;
  $('comment-more').hidden = !next;
  $('comment-empty').hidden = box.querySelectorAll('.comment').length > 0;
  $('comment-empty-slot').classList.remove('is-pending');
}

function updateCounter() {
  const n = chars($('comment-text').value);
  const counter = $('comment-counter');
  counter.textContent = `${n} / ${MAX}`;
  counter.classList.toggle('is-bad', n > MAX || (n > 0 && n < MIN));
  $('comment-submit').disabled = n < MIN || n > MAX;
}

async function submit(event) {
  event.preventDefault();
  const input = $('comment-text');
  const submitButton = $('comment-submit');
  if (submitButton.disabled) return;
  submitButton.disabled = true;
  showError('');
  const body = { text: input.value, request_id: input.dataset.requestId || requestId() };
  input.dataset.requestId = body.request_id; // the same id if this post is retried
  try {
    const made = await api(base, { method: 'POST', body, login: place });
    delete input.dataset.requestId;
    input.value = '';
    await load();
    showNote(made.status === 'visible' ? '' : '评论已提交，审核通过后公开显示。');
    if (made.status === 'visible') awardToast('评论已发表', made.award);
  } catch (e) {
    if (e.status && e.status !== 0 && e.status < 500) delete input.dataset.requestId;
    showError(e.message);
  } finally {
    updateCounter();
  }
}

function editInPlace(li) {
  const c = li.comment;
  const area = el('textarea', 'comment-input');
  area.value = c.text;
  area.rows = 3;
  const save = button('保存', 'save');
  const cancel = button('取消', 'cancel');
  const text = li.querySelector('.comment-text');
  const foot = li.querySelector('.comment-ft');
  text.replaceWith(area);
  foot.hidden = true;
  const bar = el('div', 'comment-ft');
  bar.append(save, cancel);
  li.append(bar);
  cancel.addEventListener('click', () => li.replaceWith(render(c)));
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const changed = await api(`${base}/${c.id}`, { method: 'PUT', body: { text: area.value }, login: place });
      li.replaceWith(render({ ...c, ...changed }));
      await load();
      // An edit that made a held comment visible again earns its point then.
      if (changed.award) awardToast('评论已更新', changed.award);
    } catch (e) {
      showError(e.message);
      save.disabled = false;
    }
  });
}

async function act(li, action) {
  const c = li.comment;
  showError('');
  try {
    if (action === 'edit') {
      editInPlace(li);
      return;
    }
    if (action === 'delete') {
      const { confirmDialog } = await import('./dialog.js');
      const sure = await confirmDialog({ title: '删除评论', text: '确定删除这条评论吗？删除后不能恢复。', ok: '删除', danger: true });
      if (!sure) return;
      await api(`${base}/${c.id}`, { method: 'DELETE', login: place });
    } else if (['hide', 'approve', 'feature', 'unfeature'].includes(action)) {
      const body = { action };
      if (action === 'hide') {
        const { askHideReason } = await import('./hide_reason.js');
        const reason = await askHideReason();
        if (reason === null) return;
        body.reason = reason;
      }
      await api(`${base}/${c.id}/moderate`, { method: 'POST', body, login: place });
    }
    await load();
  } catch (e) {
    showError(e.message);
  }
}

function showLogin() {
  $('comment-form').hidden = true;
  $('comment-login-link').href = loginUrl(place);
  $('comment-login').hidden = false;
}

async function main() {
  if (!box) return;
  signedIn = Boolean(getToken()) || (await refresh());
  if (signedIn) {
    $('comment-form').hidden = false;
    $('comment-text').addEventListener('input', updateCounter);
    $('comment-form').addEventListener('submit', submit);
  } else {
    showLogin();
  }
  $('comment-more').addEventListener('click', () => load(true));
  // The empty state's 写评论: straight into the box, or to login (and back here) first.
  $('comment-empty-write').addEventListener('click', () => {
    if (signedIn && !$('comment-form').hidden) $('comment-text').focus();
    else location.assign($('comment-login-link').href);
  });
  box.addEventListener('click', (event) => {
    const target = event.target.closest('.comment-action');
    if (!target || ['save', 'cancel'].includes(target.dataset.action)) return;
    act(target.closest('.comment'), target.dataset.action);
  });
  await load();
  if (signedIn && !getToken()) {
    // The login ended while the page was away: the comments show as to any reader, with the
    // way back to logging in (and to this place after it).
    signedIn = false;
    showLogin();
  }
}

main();
