// 季度检查 (/console-inspection.html): the inspections of the units she inspects as and opening
// one (quarter, name, the units below: the direct ones ticked); with ?id= the score grid — the
// checklist's items down, the units across — where each cell (score and comment) is saved on
// its own with the version it showed (a colleague's save meanwhile is refused and the cell
// reloads), unsaved edits kept in this browser until saved; the 通报 published after a
// confirmation (dialog.js), the workbook downloaded (?format=xlsx).
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog } from './dialog.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CN = '一二三四';
const id = new URLSearchParams(location.search).get('id');
let view = null;
// One key per form filled: a retry after a lost answer finds the inspection it opened.
const requestKey = newKey();

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function quarterLabel(q) {
  return `${q.slice(0, 4)}年第${CN[Number(q.slice(-1)) - 1]}季度`;
}

function fmtDate(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

// This quarter and the three before it (a quarter is inspected once it began).
function quarters() {
  const now = new Date();
  let y = now.getFullYear();
  let q = Math.floor(now.getMonth() / 3) + 1;
  const out = [];
  for (let n = 0; n < 4; n++) {
    out.push(`${y}-Q${q}`);
    q -= 1;
    if (q === 0) {
      q = 4;
      y -= 1;
    }
  }
  return out;
}

function option(value, label) {
  const node = el('option', '', label);
  node.value = value;
  return node;
}

// --- the list and opening ---------------------------------------------------------------------

function showUnits(owner) {
  const box = $('ci-units');
  box.querySelectorAll('label').forEach((n) => n.remove());
  for (const u of owner.below) {
    const label = el('label', `ci-unit depth-${Math.min(u.depth, 3)}`);
    const box_ = el('input');
    box_.type = 'checkbox';
    box_.value = u.id;
    box_.checked = u.default;
    label.append(box_, el('span', '', u.name));
    box.append(label);
  }
}

async function loadList() {
  const data = await api('/api/inspections');
  const owners = $('ci-owner');
  owners.replaceChildren(...data.owners.map((o) => option(o.id, o.name)));
  const pick = () => showUnits(data.owners.find((o) => o.id === owners.value));
  owners.onchange = pick;
  pick();
  $('ci-quarter').replaceChildren(...quarters().map((q) => option(q, quarterLabel(q))));
  const rows = $('ci-rows');
  rows.replaceChildren();
  for (const x of data.inspections) {
    const li = el('li', 'ci-row');
    const link = el('a', 'ci-row-link');
    link.href = `/console-inspection.html?id=${encodeURIComponent(x.id)}`;
    link.append(el('strong', '', x.title), el('span', 'ci-meta', `${x.owner.name} · ${x.quarter_label} · ${x.units} 个单位`));
    const state = el('span', `ci-state is-${x.state}`, x.state === 'published' ? '已发布通报' : '评分中');
    li.append(link, state);
    rows.append(li);
  }
  $('ci-none').hidden = data.inspections.length > 0;
  $('ci-list').hidden = false;
}

async function openOne(event) {
  event.preventDefault();
  const area = $('ci-open-error');
  hideError(area);
  const units = [...$('ci-units').querySelectorAll('input:checked')].map((n) => n.value);
  if (!units.length) return showError(area, '请至少选择一个检查对象');
  const body = {
    unit_id: $('ci-owner').value,
    quarter: $('ci-quarter').value,
    units,
    request_key: requestKey,
  };
  const title = $('ci-name').value.trim();
  if (title) body.title = title;
  const button = $('ci-open-btn');
  button.disabled = true;
  try {
    const made = await api('/api/inspections', { method: 'POST', body });
    location.assign(`/console-inspection.html?id=${encodeURIComponent(made.id)}`);
  } catch (error) {
    showError(area, error.message);
    button.disabled = false;
  }
  return null;
}

// --- the grid ---------------------------------------------------------------------------------

const draftKey = (unit, item) => `ci-draft:${id}:${unit}:${item}`;

function readDraft(unit, item) {
  try {
    return JSON.parse(localStorage.getItem(draftKey(unit, item)) || 'null');
  } catch {
    return null;
  }
}

function cellNode(unit, item) {
  let saved = unit.cells[item.key];
  const draft = view.may.score ? readDraft(unit.id, item.key) : null;
  const td = el('td', 'ci-cell');
  const name = `${unit.name}「${item.label}」`;
  if (!view.may.score) {
    td.append(el('strong', 'ci-score-text', saved ? `${saved.score}` : '—'));
    if (saved && saved.comment) td.append(el('p', 'ci-comment-text', saved.comment));
    return td;
  }
  const score = el('input', 'ci-score');
  score.type = 'number';
  score.inputMode = 'decimal';
  score.min = '0';
  score.max = String(item.max);
  score.step = String(view.checklist.step);
  score.setAttribute('aria-label', `${name}得分（满分 ${item.max}）`);
  score.value = draft ? draft.score : saved ? saved.score : '';
  const comment = el('textarea', 'ci-comment');
  comment.rows = 2;
  comment.maxLength = view.checklist.comment_max;
  comment.placeholder = '检查意见（扣分须写明原因）';
  comment.setAttribute('aria-label', `${name}检查意见`);
  comment.value = draft ? draft.comment : saved ? saved.comment : '';
  const error = el('p', 'ci-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const status = el('span', 'ci-status', draft ? '未保存' : saved ? `已保存 · ${saved.by_name}` : '未评分');
  const save = el('button', 'btn btn-mini ci-btn ci-save', '保存');
  save.type = 'button';
  save.setAttribute('aria-label', `保存${name}`);
  const keep = () => {
    localStorage.setItem(draftKey(unit.id, item.key), JSON.stringify({ score: score.value, comment: comment.value }));
    status.textContent = '未保存';
  };
  score.addEventListener('input', keep);
  comment.addEventListener('input', keep);
  save.addEventListener('click', async () => {
    hideError(error);
    score.removeAttribute('aria-invalid');
    comment.removeAttribute('aria-invalid');
    if (score.value.trim() === '') {
      score.setAttribute('aria-invalid', 'true');
      showError(error, '请填写得分');
      score.focus();
      return;
    }
    save.disabled = true;
    try {
      const body = { unit_id: unit.id, item: item.key, score: Number(score.value), comment: comment.value, version: saved ? saved.version : 0 };
      const done = await api(`/api/inspections/${encodeURIComponent(id)}/scores`, { method: 'POST', body });
      unit.cells[item.key] = done.cell;
      localStorage.removeItem(draftKey(unit.id, item.key));
      status.textContent = `已保存 · ${done.cell.by_name}`;
      unit.total = done.total;
      unit.scored = done.scored;
      showTotals();
    } catch (e) {
      const field = /comment|检查意见/.test(e.message) ? comment : score;
      field.setAttribute('aria-invalid', 'true');
      showError(error, e.message);
      field.focus();
      if (e.status === 409) {
        // Changed by a colleague (or locked): show what is stored now, with her version.
        const now = await api(`/api/inspections/${encodeURIComponent(id)}`);
        const stored = now.units.find((u) => u.id === unit.id).cells[item.key];
        saved = stored;
        unit.cells[item.key] = stored;
        score.value = stored ? stored.score : '';
        comment.value = stored ? stored.comment : '';
        localStorage.removeItem(draftKey(unit.id, item.key));
        status.textContent = stored ? `已由 ${stored.by_name} 保存` : '未评分';
      }
    } finally {
      save.disabled = false;
    }
  });
  td.append(score, el('span', 'ci-max', `/ ${item.max}`), comment, error, el('div', 'ci-cell-ft'));
  td.lastChild.append(status, save);
  return td;
}

function showTotals() {
  for (const unit of view.units) {
    const node = document.querySelector(`[data-total="${CSS.escape(unit.id)}"]`);
    if (!node) continue;
    const missing = view.checklist.items.length - unit.scored;
    let text = `${unit.total} 分`;
    if (unit.rank) text += ` · 第 ${unit.rank} 名`;
    if (unit.grade) text += ` · ${unit.grade}`;
    if (missing) text += `（${missing} 项未评）`;
    node.textContent = text;
  }
}

function drawGrid() {
  const table = $('ci-grid');
  table.replaceChildren();
  const caption = el('caption', 'ci-caption', `满分 ${view.checklist.full_marks} 分，按 ${view.checklist.step} 分计`);
  const head = el('tr');
  head.append(el('th', 'ci-item-head', '检查项目'));
  for (const u of view.units) {
    const th = el('th', 'ci-unit-head', u.name);
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  let category = null;
  for (const item of view.checklist.items) {
    if (item.category !== category) {
      category = item.category;
      const row = el('tr', 'ci-category');
      const th = el('th', '', category);
      th.colSpan = view.units.length + 1;
      th.scope = 'colgroup';
      row.append(th);
      tbody.append(row);
    }
    const row = el('tr');
    const th = el('th', 'ci-item');
    th.scope = 'row';
    th.append(el('strong', '', `${item.label}（${item.max} 分）`), el('span', 'ci-looks', item.looks_at));
    row.append(th);
    for (const u of view.units) row.append(cellNode(u, item));
    tbody.append(row);
  }
  const foot = el('tr', 'ci-totals');
  foot.append(el('th', '', '合计'));
  for (const u of view.units) {
    const td = el('td');
    td.dataset.total = u.id;
    foot.append(td);
  }
  const tfoot = el('tfoot');
  tfoot.append(foot);
  table.append(caption, thead, tbody, tfoot);
  showTotals();
}

async function loadGrid() {
  view = await api(`/api/inspections/${encodeURIComponent(id)}`);
  $('ci-grid-title').textContent = view.title;
  const state = view.state === 'published' ? `已于 ${fmtDate(view.published_at)} 发布通报` : `评分中，还有 ${view.missing} 项未评分`;
  $('ci-grid-meta').textContent = `${view.owner.name} · ${view.quarter_label} · ${state}`;
  $('ci-publish').hidden = !view.may.publish;
  if (view.state === 'published') {
    // Locked: drafts of its cells left in this browser mean nothing any more.
    Object.keys(localStorage)
      .filter((key) => key.startsWith(`ci-draft:${id}:`))
      .forEach((key) => localStorage.removeItem(key));
  }
  $('ci-published').hidden = view.state !== 'published';
  $('ci-summary-text').textContent = view.summary || '';
  const link = $('ci-bulletin-link');
  link.hidden = view.state !== 'published';
  link.href = `/bulletins.html?id=${encodeURIComponent(view.id)}`;
  drawGrid();
  $('ci-grid-view').hidden = false;
}

async function publish(event) {
  event.preventDefault();
  const area = $('ci-publish-error');
  const summary = $('ci-summary');
  hideError(area);
  summary.removeAttribute('aria-invalid');
  if (summary.value.trim().length < 10) {
    summary.setAttribute('aria-invalid', 'true');
    summary.focus();
    return showError(area, '请填写通报正文（至少 10 字）');
  }
  const ok = await confirmDialog({
    title: '发布检查通报',
    text: `发布后各单位的评分锁定，不能再修改；通报将发送给 ${view.units.length} 个受检单位。确定发布吗？`,
    ok: '确认发布',
  });
  if (!ok) return null;
  const button = $('ci-publish-btn');
  button.disabled = true;
  try {
    await api(`/api/inspections/${encodeURIComponent(id)}/publish`, { method: 'POST', body: { summary: summary.value } });
    toast('通报已发布');
    await loadGrid();
  } catch (error) {
    summary.setAttribute('aria-invalid', String(/summary|通报正文/.test(error.message)));
    showError(area, error.message);
  } finally {
    button.disabled = false;
  }
  return null;
}

async function download() {
  const button = $('ci-xlsx');
  button.disabled = true;
  hideError($('ci-error'));
  try {
    let response = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      response = await fetch(`/api/inspections/${encodeURIComponent(id)}?format=xlsx`, {
        headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
        credentials: 'same-origin',
      });
      if (response.status === 401 && attempt === 0 && (await refresh())) continue;
      break;
    }
    if (!response.ok) {
      let message = `下载失败（${response.status}）`;
      try {
        message = (await response.json()).Message || message;
      } catch {
        // not JSON: the status says it
      }
      throw new Error(message);
    }
    saveFile(await response.blob(), `${view.title}.xlsx`);
    toast('已开始下载');
  } catch (error) {
    showError($('ci-error'), error.message);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const login = $('ci-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('ci').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('ci').hidden = true;
    login.hidden = false;
    return;
  }
  try {
    if (id) {
      $('ci-xlsx').addEventListener('click', download);
      $('ci-publish').addEventListener('submit', publish);
      await loadGrid();
    } else {
      $('ci-open').addEventListener('submit', openOne);
      await loadList();
    }
  } catch (error) {
    if (error.status === 401) {
      $('ci').hidden = true;
      login.hidden = false;
    } else {
      // 403: not hers (a branch's staff, a member) — the reason in words, as it is.
      showError($('ci-error'), error.status === 403 ? error.message : `暂时无法显示：${error.message}`);
    }
  }
}

main();
