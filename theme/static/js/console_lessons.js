// 微党课学习 (/console-lessons.html[?unit=<id>][&lesson=<slug>][&branch=<id>]): the units of her
// scope (/api/registry/tree), the published lessons (the build's /catalog.json, kind "lesson"),
// assigning one to the chosen unit by a day (the API tells every member of the unit and below),
// the unit's assignments and those of the units above it, withdrawing one (after a confirmation),
// an assignment's figures by branch (members, watched, share, a bar) and one branch's names.
// Text from the API is set with textContent only.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { $, table, tableBox, today } from './console_kit.js';
import { confirmDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

let units = [];
let lessons = [];
let current = null; // the chosen unit's list answer
let shown = null; // { unit, slug } of the figures shown

const isoDay = (date) => date.toISOString().slice(0, 10);
const cnDay = (iso) => `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
const percent = (share) => `${Math.round(share * 1000) / 10}%`;

// The address as it is now (setQuery keeps the unit, the lesson and the branch shown there).
const query = (name) => new URLSearchParams(location.search).get(name);

function setQuery(changes) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, '', url);
}

// --- units and lessons ------------------------------------------------------------------------

// The tree's units in tree order (each after its parent), indented by depth.
function treeOrder(list) {
  const byParent = new Map();
  const ids = new Set(list.map((u) => u.id));
  for (const u of list) {
    const parent = ids.has(u.parent_id) ? u.parent_id : '';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(u);
  }
  const out = [];
  const walk = (parent, depth) => {
    for (const u of byParent.get(parent) || []) {
      out.push({ ...u, depth });
      walk(u.id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

async function loadUnits() {
  const data = await api('/api/registry/tree');
  units = treeOrder(data.units);
  const select = $('cl-unit');
  select.replaceChildren(
    ...units.map((u) => {
      const option = el('option', '', `${'　'.repeat(u.depth)}${u.name}`);
      option.value = u.id;
      return option;
    }),
  );
  const wanted = query('unit');
  if (wanted && units.some((u) => u.id === wanted)) select.value = wanted;
  select.addEventListener('change', () => {
    setQuery({ unit: select.value, lesson: '', branch: '' });
    loadList().catch(failed);
  });
}

function duration(seconds) {
  const s = Math.round(Number(seconds) || 0);
  const m = Math.floor(s / 60);
  return m ? `${m} 分 ${s % 60} 秒` : `${s} 秒`;
}

// The build's catalog (a static file: no database read); kind "lesson" is a 微党课.
async function loadLessons() {
  const response = await fetch('/catalog.json', { credentials: 'same-origin' });
  const all = response.ok ? await response.json() : [];
  lessons = all.filter((item) => item.kind === 'lesson').sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'));
  const select = $('cl-lesson');
  const prompt = el('option', '', lessons.length ? '请选择微党课' : '还没有已发布的微党课（审核发布后在此列出）');
  prompt.value = '';
  select.replaceChildren(
    prompt,
    ...lessons.map((item) => {
      const extra = [item.speaker, item.duration ? duration(item.duration) : ''].filter(Boolean).join(' · ');
      const option = el('option', '', extra ? `${item.title}（${extra}）` : item.title);
      option.value = item.slug;
      return option;
    }),
  );
}

// --- the list ---------------------------------------------------------------------------------

function row(a) {
  const li = el('li', 'cl-row');
  const text = el('div', 'cl-row-text');
  text.append(el('strong', '', a.title));
  const from = a.own ? '' : `上级（${a.unit_name}）安排 · `;
  const due = `${from}截止 ${cnDay(a.due_on)}${a.overdue ? '（已过期）' : ''}`;
  text.append(el('span', 'cl-meta', due));
  if (a.note) text.append(el('span', 'cl-note', a.note));
  const actions = el('div', 'cl-row-actions');
  const look = el('button', 'btn btn-mini btn-default cl-btn', '学习情况');
  look.type = 'button';
  look.setAttribute('aria-label', `查看「${a.title}」的学习情况`);
  look.addEventListener('click', () => {
    setQuery({ lesson: a.slug, branch: '' });
    loadFigures(a.slug, null).catch(failed);
  });
  actions.append(look);
  if (a.own && a.may_withdraw) {
    const withdraw = el('button', 'btn btn-mini btn-default cl-btn cl-withdraw', '撤回');
    withdraw.type = 'button';
    withdraw.setAttribute('aria-label', `撤回「${a.title}」的学习安排`);
    withdraw.addEventListener('click', () => withdrawOne(a, withdraw));
    actions.append(withdraw);
  }
  li.append(text, actions);
  return li;
}

async function loadList() {
  const unitId = $('cl-unit').value;
  const list = $('cl-rows');
  list.setAttribute('aria-busy', 'true');
  hideError($('cl-error'));
  try {
    current = await api(`/api/lessons/assignments?unit_id=${encodeURIComponent(unitId)}`);
  } finally {
    list.removeAttribute('aria-busy');
  }
  $('cl-form').hidden = !current.manage;
  list.replaceChildren(...current.assignments.map(row));
  $('cl-none').hidden = current.assignments.length > 0;
  const slug = query('lesson');
  if (slug && current.assignments.some((a) => a.slug === slug)) {
    await loadFigures(slug, query('branch'));
  } else {
    $('cl-figures').hidden = true;
    shown = null;
  }
}

async function withdrawOne(a, button) {
  const ok = await confirmDialog({
    title: '撤回学习安排',
    text: `撤回后党员的「待学习」中不再显示「${a.title}」。已发出的消息不会撤回。确定撤回吗？`,
    ok: '撤回',
    danger: true,
  });
  if (!ok) return;
  button.disabled = true;
  try {
    await api(`/api/lessons/assignments/${encodeURIComponent(a.unit_id)}/${encodeURIComponent(a.slug)}`, { method: 'DELETE' });
    toast('已撤回');
    if (shown && shown.slug === a.slug) setQuery({ lesson: '', branch: '' });
    await loadList();
  } catch (error) {
    showError($('cl-error'), error.message);
    button.disabled = false;
  }
}

// --- assigning --------------------------------------------------------------------------------

async function assign(event) {
  event.preventDefault();
  const area = $('cl-form-error');
  hideError(area);
  const lesson = $('cl-lesson');
  const due = $('cl-due');
  for (const field of [lesson, due]) field.removeAttribute('aria-invalid');
  if (!lesson.value) {
    lesson.setAttribute('aria-invalid', 'true');
    lesson.focus();
    return showError(area, '请选择微党课');
  }
  if (!due.value) {
    due.setAttribute('aria-invalid', 'true');
    due.focus();
    return showError(area, '请选择截止日期');
  }
  const body = { unit_id: $('cl-unit').value, slug: lesson.value, due_on: due.value };
  const note = $('cl-note').value.trim();
  if (note) body.note = note;
  const button = $('cl-submit');
  button.disabled = true;
  try {
    const done = await api('/api/lessons/assignments', { method: 'POST', body });
    toast(done.message);
    $('cl-note').value = '';
    setQuery({ lesson: done.assignment.slug, branch: '' });
    await loadList();
  } catch (error) {
    const field = /截止|due_on/.test(error.message) ? due : /说明|note/.test(error.message) ? $('cl-note') : lesson;
    field.setAttribute('aria-invalid', 'true');
    showError(area, error.message);
  } finally {
    button.disabled = false;
  }
  return null;
}

// --- figures ----------------------------------------------------------------------------------

function shareCell(row) {
  return `${percent(row.share)}`;
}

function drawBranches(data) {
  const columns = [
    { key: 'name', label: '党支部' },
    { key: 'members', label: '党员', number: true },
    { key: 'watched', label: '已观看', number: true },
    { key: 'share', label: '观看比例', number: true, text: shareCell },
    { key: 'bar', label: '进度' },
  ];
  const t = table(columns, data.branches, { id: 'cl-branches', caption: `${data.lesson.title}：各支部观看情况` });
  // Each branch's bar (a <meter>: no inline style) and its names behind a button.
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    const b = data.branches[i];
    const bar = el('meter', 'cl-bar');
    bar.min = 0;
    bar.max = 1;
    bar.value = b.share;
    bar.setAttribute('aria-label', `${b.name}观看比例 ${percent(b.share)}`);
    tr.querySelector('[data-key="bar"]').replaceChildren(bar);
    const head = tr.querySelector('[data-key="name"]');
    const open = el('button', 'cl-branch-link', b.name);
    open.type = 'button';
    open.setAttribute('aria-label', `${b.name}：查看名单`);
    open.addEventListener('click', () => {
      setQuery({ branch: b.id });
      loadFigures(shown.slug, b.id).catch(failed);
    });
    head.replaceChildren(open);
    head.classList.add('has-link');
  });
  $('cl-fig-table').replaceChildren(tableBox(t));
}

function nameItem(text, extra) {
  const li = el('li', 'cl-name');
  li.append(el('span', '', text));
  if (extra) li.append(el('span', 'cl-name-extra', extra));
  return li;
}

function drawNames(branch) {
  const box = $('cl-names');
  box.hidden = !branch;
  if (!branch) return;
  $('cl-names-title').textContent = `${branch.name}名单`;
  $('cl-not-title').textContent = `未观看（${branch.not_watched.length} 人）`;
  $('cl-yes-title').textContent = `已观看（${branch.watched.length} 人）`;
  $('cl-not').replaceChildren(
    ...branch.not_watched.map((m) => nameItem(m.name, m.covered_share ? `已看 ${percent(m.covered_share)}` : '未开始')),
  );
  $('cl-yes').replaceChildren(...branch.watched.map((m) => nameItem(m.name, `${cnDay(m.watched_on)}看完`)));
}

async function loadFigures(slug, branch) {
  const unitId = $('cl-unit').value;
  const box = $('cl-figures');
  box.setAttribute('aria-busy', 'true');
  let data;
  try {
    const query = branch ? `?branch=${encodeURIComponent(branch)}` : '';
    data = await api(`/api/lessons/assignments/${encodeURIComponent(unitId)}/${encodeURIComponent(slug)}${query}`);
  } finally {
    box.removeAttribute('aria-busy');
  }
  shown = { unit: unitId, slug };
  $('cl-fig-title').textContent = `「${data.lesson.title}」学习情况`;
  $('cl-fig-meta').textContent = `${data.unit.name}：党员 ${data.members} 人，已观看 ${data.watched} 人（${percent(data.share)}）· 截止 ${cnDay(data.assignment.due_on)}`;
  drawBranches(data);
  drawNames(data.branch);
  box.hidden = false;
  if (branch) $('cl-names').scrollIntoView({ block: 'nearest' });
}

function failed(error) {
  showError($('cl-error'), error.status === 403 ? error.message : `暂时无法显示：${error.message}`);
}

async function main() {
  const login = $('cl-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('cl').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('cl').hidden = true;
    login.hidden = false;
    return;
  }
  const due = $('cl-due');
  due.min = isoDay(today());
  due.value = isoDay(new Date(today().getTime() + 7 * 86400000));
  $('cl-form').addEventListener('submit', assign);
  try {
    await Promise.all([loadUnits(), loadLessons()]);
    await loadList();
  } catch (error) {
    if (error.status === 401) {
      $('cl').hidden = true;
      login.hidden = false;
    } else {
      failed(error);
    }
  }
}

main();
