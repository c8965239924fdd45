// The 待审核 page: list what the signed-in reviewer may decide, preview it sandboxed,
// approve (通过) or return (退回, with a reason). The server checks scope and version.
// The version's hash only addresses the API; the reviewer reads names, fields and changes.
import { api, requireLogin } from './api.js';
import { confirmDialog } from './dialog.js';
import { el, when } from './dom.js';

requireLogin(); // a login that ended goes to login and back here (api.js)

const $ = (id) => document.getElementById(id);
const list = $('review-list');
const detail = $('review-detail');
const error = $('review-error');
let current = null;

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
}

function itemPath(item) {
  return `/api/review/items/${encodeURIComponent(item.slug)}/${item.hash}`;
}

function cell(item) {
  const link = el('a', 'cell cell-access review-item');
  link.href = `#${item.slug}/${item.hash}`;
  link.dataset.slug = item.slug;
  const body = el('span', 'cell-bd', item.title);
  body.append(el('small', 'review-item-meta', `${item.unit_name} · 提交于 ${when(item.registered_at)}`));
  link.append(body, el('span', 'cell-ft', item.category));
  return link;
}

function renderList(data) {
  list.textContent = '';
  $('review-empty').hidden = data.items.length > 0;
  $('review-note').hidden = true;
  const groups = new Map();
  for (const item of data.items) {
    const key = item.series || '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  for (const [series, items] of groups) {
    const title = document.createElement('h2');
    title.className = 'cells-title';
    title.textContent = series ? `连载「${series}」（${items.length} 篇）` : `文章（${items.length} 篇）`;
    const cells = document.createElement('div');
    cells.className = 'cells';
    for (const item of items) cells.append(cell(item));
    list.append(title, cells);
    if (series && items.length > 1) {
      const all = document.createElement('button');
      all.className = 'btn btn-plain btn-mini';
      all.type = 'button';
      all.textContent = `逐篇审阅后全部通过（${items.length} 篇）`;
      all.addEventListener('click', () => approveAll(items, all));
      list.append(all);
    }
  }
  if (data.truncated) showError('待审核内容较多，只显示了前一部分；审核后刷新可看到其余内容。');
}

async function approveAll(items, button) {
  const sure = await confirmDialog({ title: `确认已阅读并通过这 ${items.length} 篇？`, text: '每篇分别记录审核结果。', ok: '全部通过' });
  if (!sure) return;
  button.disabled = true;
  let done = 0;
  for (const item of items) {
    try {
      await api(`${itemPath(item)}/approve`, { method: 'POST' });
      done += 1;
      button.textContent = `已通过 ${done} / ${items.length}`;
    } catch (e) {
      showError(`${item.title}：${e.message}`);
    }
  }
  await loadList();
}

async function loadList() {
  detail.hidden = true;
  list.hidden = false;
  try {
    renderList(await api('/api/review/items'));
  } catch (e) {
    if (e.status === 401) {
      location.replace('/login.html?next=/review.html');
      return;
    }
    showError(e.message);
  }
}

function previewDocument(html) {
  const css = 'body{font:16px/1.75 -apple-system,system-ui,sans-serif;margin:12px;color:#1a1a1a}'
    + 'img{max-width:100%}h2{font-size:18px}blockquote{color:#666;border-left:3px solid #ddd;margin:0;padding-left:10px}';
  return `<!DOCTYPE html><meta charset="utf-8"><style>${css}</style>${html}`;
}

function renderHistory(history) {
  const box = $('review-history');
  box.textContent = '';
  if (!history.length) return;
  const title = document.createElement('h3');
  title.textContent = '审核记录';
  const ul = document.createElement('ul');
  ul.className = 'review-history';
  for (const h of history) {
    const li = document.createElement('li');
    const verdict = h.decision === 'approved' ? '通过' : '退回';
    li.textContent = `${when(h.decided_at)} ${h.reviewer_name || '审核人'} ${verdict}`
      + `${h.reason ? `：${h.reason}` : ''}（${h.this_version ? '本版本' : '此前的版本'}）`;
    ul.append(li);
  }
  box.append(title, ul);
}

function renderFields(fields) {
  const box = $('review-fields');
  box.textContent = '';
  for (const f of fields) box.append(el('dt', '', f.label), el('dd', '', f.value));
  box.hidden = !fields.length;
}

// What approving changes for members: fields old → new, files by name, paragraphs struck/added.
function renderChanges(changes) {
  const box = $('review-changes');
  box.textContent = '';
  box.hidden = !changes;
  if (!changes) return;
  box.append(el('h3', '', '与发布中的版本相比'));
  const rows = [];
  for (const f of changes.fields) rows.push(el('li', '', `${f.label}：${f.old} → ${f.new}`));
  for (const f of changes.files) rows.push(el('li', '', `${f.change}文件：${f.name}`));
  if (rows.length) {
    const ul = el('ul', 'review-changed');
    ul.append(...rows);
    box.append(ul);
  }
  for (const part of changes.body) {
    if (part.op === 'skip') {
      box.append(el('p', 'diff-skip', `……（${part.count} 段未改动）`));
    } else {
      const tag = { add: 'ins', del: 'del', same: 'p' }[part.op];
      const node = el(tag, `diff-${part.op}`, part.text);
      if (part.op !== 'same') node.setAttribute('aria-label', `${part.op === 'add' ? '新增' : '删除'}：${part.text}`);
      box.append(node);
    }
  }
  if (!rows.length && !changes.body.length) box.append(el('p', 'diff-skip', '正文和设置没有改动。'));
}

async function open(slug, hash) {
  showError('');
  try {
    current = await api(`/api/review/items/${encodeURIComponent(slug)}/${hash}`);
  } catch (e) {
    showError(e.message);
    return;
  }
  list.hidden = true;
  detail.hidden = false;
  $('review-title').textContent = current.title;
  $('review-meta').textContent = `${current.category} · ${current.unit_name} · 提交于 ${when(current.registered_at)} · ${current.state_label}`;
  renderFields(current.fields || []);
  $('review-published-note').hidden = !current.changes;
  renderChanges(current.changes);
  $('review-preview').srcdoc = previewDocument(current.preview_html);
  $('review-source').textContent = current.body;
  $('review-reason').value = '';
  const pending = current.state === 'pending';
  $('review-approve').disabled = !pending;
  $('review-return').disabled = !pending;
  renderHistory(current.history || []);
}

async function decide(action) {
  if (!current) return;
  const reason = $('review-reason').value.trim();
  if (action === 'return' && !reason) {
    showError('退回时请填写原因');
    $('review-reason').focus();
    return;
  }
  $('review-approve').disabled = true;
  $('review-return').disabled = true;
  try {
    await api(`${itemPath(current)}/${action}`, {
      method: 'POST',
      body: action === 'return' ? { reason } : undefined,
    });
    showError('');
    location.hash = '';
    await loadList();
    const note = $('review-note');
    note.hidden = false;
    note.textContent = action === 'approve' ? `已通过「${current.title}」，下次构建后发布。` : `已退回「${current.title}」。`;
  } catch (e) {
    showError(e.message);
    $('review-approve').disabled = false;
    $('review-return').disabled = false;
  }
}

function route() {
  const [slug, hash] = location.hash.slice(1).split('/');
  if (slug && hash) open(slug, hash);
  else loadList();
}

$('review-approve').addEventListener('click', () => decide('approve'));
$('review-return').addEventListener('click', () => decide('return'));
$('review-back').addEventListener('click', (event) => {
  event.preventDefault();
  location.hash = '';
});
addEventListener('hashchange', route);
route();
