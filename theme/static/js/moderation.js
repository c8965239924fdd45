// 评论管理: the comments waiting for a decision (held by the word filter, or pending in
// pre-moderation) and the recent ones of the reviewer's scope; 通过 / 隐藏 / 恢复 / 精选.
// Member text is set only with textContent.
import { api, requireLogin } from './api.js';
import { askHideReason } from './hide_reason.js';
import { el } from './dom.js';

requireLogin(); // reviewers only: a login that ended goes to login and back here

const $ = (id) => document.getElementById(id);
let queue = 'open';

function showError(message) {
  $('mod-error').textContent = message;
  $('mod-error').hidden = !message;
}

const ACTIONS = {
  held: [['approve', '通过'], ['hide', '隐藏']],
  pending: [['approve', '通过'], ['hide', '隐藏']],
  visible: [['hide', '隐藏'], ['feature', '设为精选']],
  hidden: [['restore', '恢复']],
};

function render(c) {
  const li = el('li', 'comment mod-item');
  li.dataset.id = c.id;
  const head = el('div', 'comment-hd');
  head.append(el('span', 'comment-author', c.author), el('span', 'comment-branch', c.branch));
  head.append(el('span', 'badge comment-status', c.featured ? '精选' : c.status_label));
  const where = el('a', 'mod-where', `《${c.title}》`);
  where.href = `/articles/${encodeURIComponent(c.slug)}.html#comments`;
  const text = el('p', 'comment-text', c.text);
  const foot = el('div', 'comment-ft');
  foot.append(el('time', 'comment-time', c.created_at.slice(0, 16).replace('T', ' ')));
  if (c.reason) foot.append(el('span', 'mod-reason', c.reason));
  const actions = c.featured ? [['unfeature', '取消精选'], ['hide', '隐藏']] : ACTIONS[c.status] || [];
  for (const [action, label] of actions) {
    const b = el('button', 'comment-action', label);
    b.type = 'button';
    b.dataset.action = action;
    foot.append(b);
  }
  li.append(head, where, text, foot);
  li.comment = c;
  return li;
}

async function load() {
  showError('');
  let data;
  try {
    data = await api(`/api/moderation/comments?queue=${queue}`);
  } catch (e) {
    showError(e.message);
    return;
  }
  const list = $('mod-list');
  list.textContent = '';
  for (const c of data.items) list.append(render(c));
  $('mod-empty').hidden = data.items.length > 0;
  if (data.truncated) showError('评论较多，只显示了前一部分；处理后刷新可看到其余评论。');
}

async function act(li, action) {
  const c = li.comment;
  let reason;
  if (action === 'hide') {
    reason = await askHideReason();
    if (reason === null) return;
  }
  showError('');
  try {
    await api(`/api/articles/${encodeURIComponent(c.slug)}/comments/${c.id}/moderate`, {
      method: 'POST',
      body: reason ? { action, reason } : { action },
    });
    await load();
  } catch (e) {
    showError(e.message);
  }
}

for (const tab of document.querySelectorAll('.mod-tab')) {
  tab.addEventListener('click', () => {
    queue = tab.dataset.queue;
    for (const t of document.querySelectorAll('.mod-tab')) {
      t.classList.toggle('is-active', t === tab);
      t.setAttribute('aria-selected', String(t === tab));
    }
    load();
  });
}
$('mod-list').addEventListener('click', (event) => {
  const b = event.target.closest('.comment-action');
  if (b) act(b.closest('.comment'), b.dataset.action);
});
load();
