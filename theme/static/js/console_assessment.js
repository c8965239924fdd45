// 考核评价 (/console-assessment.html): the branch scores of the caller's subtree (百分制, ranked
// only when the organisation allows rankings), the month's 红黑榜 with the 约谈 flags, one
// branch's member scores (100 基准分 + 奉献分, each item and the measures behind it) and the
// year's 民主评议 with the platform's score beside each grade — the entry form for the branch's
// own secretary, each error at its field. Every table downloads as XLSX.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const UNIT_ID = /^[0-9A-Za-z_-]{1,32}$/;
const PERIOD = /^[0-9]{4}(-(0[1-9]|1[0-2]))?$/;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const state = { unit: null, branch: null, period: null, unitKind: null };

function beijingMonth() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

function periodOptions() {
  const now = beijingMonth();
  let y = Number(now.slice(0, 4));
  let m = Number(now.slice(5, 7));
  const out = [];
  for (let i = 0; i < 12; i++) {
    out.push([`${y}-${String(m).padStart(2, '0')}`, `${y}年${m}月`]);
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  const year = Number(now.slice(0, 4));
  out.push([String(year), `${year}年度（截至本月）`], [String(year - 1), `${year - 1}年度`]);
  return out;
}

function yearOf(period) {
  return period.slice(0, 4);
}

function syncUrl() {
  const query = new URLSearchParams({ unit: state.unit, period: state.period });
  if (state.branch) query.set('branch', state.branch);
  history.replaceState(null, '', `/console-assessment.html?${query}`);
}

function score(value) {
  return value === null || value === undefined ? '—' : Number(value).toFixed(1);
}

function requestKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function cell(tag, text, className) {
  return el(tag, className, text === undefined || text === null ? '' : String(text));
}

// Each cell names its column, for the phone's cards (assessment.css: one card a row).
function labelCells(table) {
  const labels = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.children].forEach((td, i) => {
      if (td.colSpan === 1 && labels[i]) td.dataset.label = labels[i];
    });
  }
}

function headRow(labels) {
  const thead = el('thead');
  const tr = el('tr');
  for (const label of labels) {
    const th = cell('th', label);
    th.scope = 'col';
    tr.append(th);
  }
  thead.append(tr);
  return thead;
}

// --- branch scores ------------------------------------------------------------------------------

function renderBranches(body) {
  const table = $('as-branches');
  table.replaceChildren();
  const ranked = body.rankings_enabled;
  const items = body.branch_items;
  table.append(
    headRow([
      ...(ranked ? ['名次'] : []),
      '党支部',
      '党员',
      '得分',
      ...items.map((i) => `${i.label}（${i.weight}）`),
    ]),
  );
  const tbody = el('tbody');
  for (const b of body.branches) {
    const tr = el('tr');
    if (b.id === state.branch) tr.className = 'is-selected';
    if (ranked) tr.append(cell('td', b.rank === undefined ? '不排名' : b.rank, 'as-num'));
    const name = el('td');
    const pick = el('button', 'as-link', b.name);
    pick.type = 'button';
    pick.addEventListener('click', () => selectBranch(b.id));
    name.append(pick);
    tr.append(name, cell('td', b.members, 'as-num'), cell('td', score(b.score), 'as-num as-strong'));
    for (const i of items) tr.append(cell('td', score(b.items[i.key]), 'as-num'));
    tbody.append(tr);
  }
  table.append(tbody);
  labelCells(table);
  table.setAttribute('aria-busy', 'false');
  $('as-branches-note').textContent = body.branches.length
    ? ranked
      ? '按得分从高到低排列，同分同名次；党员人数过少的支部只计分、不排名。点支部名称查看党员得分和民主评议。'
      : '本组织未开启积分排名：只显示得分，不排名次。点支部名称查看党员得分和民主评议。'
    : '该周期还没有计算结果（每天凌晨计算一次）。';
  const base = body.base;
  $('as-rule').textContent = `党员：${base} 分基准分 + 奉献分；党支部：百分制，${items.map((i) => `${i.label} ${i.weight} 分`).join('、')}。`;
}

// --- 红黑榜 -------------------------------------------------------------------------------------

function renderList(list, rows) {
  list.replaceChildren();
  if (!rows.length) list.append(el('li', 'as-none', '无'));
  for (const r of rows) {
    const li = el('li');
    li.append(el('span', 'as-rb-rank', `第 ${r.rank} 名`), el('span', 'as-rb-name', r.name), el('span', 'as-rb-score', `${score(r.score)} 分`));
    if (r.talk) li.append(el('span', 'as-talk', '约谈'));
    list.append(li);
  }
}

async function loadRedBlack(enabled) {
  const block = $('as-rb-block');
  block.hidden = !enabled || !state.period.includes('-');
  if (block.hidden) return;
  const body = await api(`/api/assessment/units/${state.unit}/red-black?period=${state.period}`);
  renderList($('as-red'), body.red);
  renderList($('as-black'), body.black);
  const talks = body.talks.map((t) => t.name).join('、');
  $('as-rb-note').textContent =
    `本党委参与排名的支部 ${body.ranked_branches} 个（各党委内排名），红榜、黑榜各取 ${body.ranking_size} 个（同分并列）。` +
    // 约谈 is for the staff above a branch: its own staff are not told (talks_shown false).
    (!body.talks_shown ? '' : talks ? `连续 ${body.talk_months} 个月排名在后 ${body.ranking_size} 位（同分并列）、须约谈支部主要负责人：${talks}。` : `没有连续 ${body.talk_months} 个月排名在后 ${body.ranking_size} 位的支部。`);
}

// --- member scores ------------------------------------------------------------------------------

function renderMembers(body) {
  const table = $('as-members');
  table.replaceChildren();
  const items = body.member_items;
  table.append(headRow(['党员', '总分', '基准分', '奉献分', ...items.map((i) => i.label), '']));
  const tbody = el('tbody');
  for (const m of body.members) {
    const tr = el('tr');
    tr.append(cell('td', m.name), cell('td', score(m.score), 'as-num as-strong'), cell('td', score(m.base), 'as-num'), cell('td', score(m.bonus), 'as-num'));
    for (const i of items) tr.append(cell('td', score(m.items[i.key]), 'as-num'));
    const more = el('td');
    const toggle = el('button', 'as-link', '明细');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', 'false');
    more.append(toggle);
    tr.append(more);
    const detail = el('tr', 'as-detail');
    detail.hidden = true;
    const td = el('td');
    td.colSpan = items.length + 5;
    td.textContent = items
      .map((i) => {
        const measure = m.measures[i.measure_key] || 0;
        return `${i.measure} ${measure} ${i.unit} → ${score(m.items[i.key])} 分（每${i.unit} ${i.amount}，上限 ${i.cap}）`;
      })
      .join('；');
    detail.append(td);
    toggle.addEventListener('click', () => {
      detail.hidden = !detail.hidden;
      toggle.setAttribute('aria-expanded', String(!detail.hidden));
    });
    tbody.append(tr, detail);
  }
  table.append(tbody);
  labelCells(table);
  $('as-members-title').textContent = `党员得分：${body.unit.name}（${body.period.label}）`;
}

// --- 民主评议 -----------------------------------------------------------------------------------

function fieldError(input, message) {
  const box = input.parentElement.querySelector('.as-field-error');
  box.textContent = message;
  box.hidden = !message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

function gradeForm(row, body, tr) {
  const td = el('td', 'as-grade-form');
  const year = Number(body.year);
  const gradeBox = el('div', 'as-field');
  const select = el('select');
  select.setAttribute('aria-label', `${row.name}的评议等次`);
  select.append(el('option', '', '选择等次'));
  select.firstChild.value = '';
  for (const g of body.grades) {
    const opt = el('option', '', g.label);
    opt.value = g.key;
    select.append(opt);
  }
  gradeBox.append(select, el('p', 'as-field-error'));
  const reasonBox = el('div', 'as-field');
  const reason = el('input');
  reason.type = 'text';
  reason.maxLength = 200;
  reason.placeholder = '理由（基本合格、不合格必填）';
  reason.setAttribute('aria-label', `${row.name}的评议理由`);
  reasonBox.append(reason, el('p', 'as-field-error'));
  for (const box of [gradeBox, reasonBox]) box.lastChild.hidden = true;
  const save = el('button', 'btn btn-mini as-save', '保存');
  save.type = 'button';
  let key = requestKey(); // a retry of the same entry is the same request
  let sent = null;
  save.addEventListener('click', async () => {
    fieldError(select, '');
    fieldError(reason, '');
    if (!select.value) {
      fieldError(select, '请选择评议等次');
      select.focus();
      return;
    }
    if (body.reason_needed.includes(select.value) && reason.value.trim().length < 2) {
      fieldError(reason, '评为基本合格或不合格须写明理由（2–200 字）');
      reason.focus();
      return;
    }
    const payload = { year, member_no: row.member_no, grade: select.value, request_key: key };
    if (reason.value.trim()) payload.reason = reason.value.trim();
    const text = JSON.stringify(payload);
    if (sent !== null && sent !== text) {
      key = requestKey();
      payload.request_key = key;
    }
    sent = JSON.stringify(payload);
    save.disabled = true;
    try {
      const stored = await api(`/api/assessment/units/${state.branch}/grades`, { method: 'POST', body: payload });
      const done = el('td', 'as-grade', stored.grade_label);
      td.replaceWith(done);
      tr.lastChild.textContent = stored.reason || '';
      await loadGradesCounts();
    } catch (error) {
      const message = error.message || '保存失败，请稍后重试';
      if (message.includes('理由')) fieldError(reason, message);
      else fieldError(select, message);
      save.disabled = false;
    }
  });
  td.append(gradeBox, reasonBox, save);
  return td;
}

function countsText(body) {
  return body.grades.map((g) => `${g.label} ${body.counts[g.key]} 人`).join('，');
}

async function loadGradesCounts() {
  const body = await api(`/api/assessment/units/${gradesUnit()}/grades?year=${yearOf(state.period)}`);
  $('as-counts').textContent = `${body.year}年度：${countsText(body)}`;
}

function gradesUnit() {
  return state.branch || state.unit;
}

async function loadGrades() {
  const body = await api(`/api/assessment/units/${gradesUnit()}/grades?year=${yearOf(state.period)}`);
  $('as-grades-title').textContent = `民主评议：${body.unit.name}（${body.year}年度）`;
  $('as-counts').textContent = `${body.year}年度：${countsText(body)}`;
  const table = $('as-grades');
  table.replaceChildren();
  table.classList.toggle('as-grade-list', Boolean(body.members));
  if (body.members) {
    $('as-grades-note').textContent = body.can_enter
      ? '每名党员每年一个等次，保存后不能更改；平台得分为该年度截至本月的考核总分，供评议参考。'
      : '由本支部的支部书记录入（支部书记本人的等次由上级党组织录入）；上级党组织和支部委员可查看。';
    table.append(headRow(['党员编号', '姓名', '平台得分', '评议等次', '理由']));
    const tbody = el('tbody');
    for (const m of body.members) {
      const tr = el('tr');
      tr.append(cell('td', m.member_no), cell('td', m.name), cell('td', score(m.score), 'as-num as-strong'));
      if (m.grade) tr.append(cell('td', m.grade_label, 'as-grade'));
      else if (m.can_enter) tr.append(gradeForm(m, body, tr));  // never her own grade
      else tr.append(cell('td', '未评议', 'as-muted'));
      tr.append(cell('td', m.reason || ''));
      tbody.append(tr);
    }
    table.append(tbody);
  } else {
    $('as-grades-note').textContent = '各支部已录入的等次人数；点支部名称查看名单。';
    table.append(headRow(['党支部', ...body.grades.map((g) => g.label)]));
    const tbody = el('tbody');
    for (const b of body.branches) {
      const tr = el('tr');
      tr.append(cell('td', b.name), ...body.grades.map((g) => cell('td', b.counts[g.key], 'as-num')));
      tbody.append(tr);
    }
    table.append(tbody);
  }
}

// --- loading ------------------------------------------------------------------------------------

async function selectBranch(id) {
  state.branch = id;
  syncUrl();
  await loadAll();
}

async function loadAll() {
  hideError($('as-error'));
  try {
    const body = await api(`/api/assessment/units/${state.unit}/branches?period=${state.period}`);
    $('as-unit').textContent = `${body.unit.name} · ${body.period.label}`;
    state.unitKind = body.unit.kind;
    if (body.unit.kind === 'branch') state.branch = body.unit.id;
    renderBranches(body);
    await loadRedBlack(body.rankings_enabled);
    const block = $('as-members-block');
    block.hidden = !state.branch;
    if (state.branch) renderMembers(await api(`/api/assessment/units/${state.branch}/members?period=${state.period}`));
    await loadGrades();
  } catch (error) {
    if (error.status === 404) {
      $('as').hidden = true;
      const off = $('as-off');
      off.textContent = `${error.message}：本页不可用。如需开启，请联系本组织的系统管理员。`;
      off.hidden = false;
      return;
    }
    showError($('as-error'), error.message || '加载失败，请稍后重试');
  }
}

async function download(table) {
  const unit = table === 'members' || (table === 'grades' && state.branch) ? state.branch : state.unit;
  const query = table === 'grades' ? `year=${yearOf(state.period)}` : `period=${state.period}`;
  const path = `/api/assessment/units/${unit}/${table}?${query}&format=xlsx`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await fetch(path, {
      headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
      credentials: 'same-origin',
    });
    if (response.status === 401 && attempt === 0 && (await refresh())) continue;
    if (!response.ok) {
      let message = `下载失败（${response.status}）`;
      try {
        message = (await response.json()).Message || message;
      } catch {
        // not JSON: the status says it
      }
      throw new Error(message);
    }
    saveFile(await response.blob(), `考核评价-${table}-${state.period}.xlsx`);
    return;
  }
  throw new Error('登录已过期，请重新登录');
}

async function defaultUnit() {
  const me = await api('/api/me');
  const order = (me.branch_path || []).map((u) => u.id);
  const units = (me.roles || []).map((r) => r.unit && r.unit.id).filter(Boolean);
  units.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return units[0] || me.branch.id;
}

async function main() {
  const login = $('as-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  login.hidden = true;
  $('as').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('as').hidden = true;
    login.hidden = false;
    return;
  }
  const select = $('as-period');
  for (const [value, label] of periodOptions()) {
    const opt = el('option', '', label);
    opt.value = value;
    select.append(opt);
  }
  const asked = params.get('period');
  state.period = asked && PERIOD.test(asked) ? asked : beijingMonth();
  if (![...select.options].some((o) => o.value === state.period)) {
    const opt = el('option', '', state.period);
    opt.value = state.period;
    select.append(opt);
  }
  select.value = state.period;
  select.addEventListener('change', () => {
    state.period = select.value;
    syncUrl();
    loadAll();
  });
  for (const button of document.querySelectorAll('.as-xlsx')) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      hideError($('as-error'));
      try {
        await download(button.dataset.table);
      } catch (error) {
        showError($('as-error'), error.message);
      } finally {
        button.disabled = false;
      }
    });
  }
  try {
    const unit = params.get('unit');
    state.unit = unit && UNIT_ID.test(unit) ? unit : await defaultUnit();
    const branch = params.get('branch');
    state.branch = branch && UNIT_ID.test(branch) ? branch : null;
  } catch (error) {
    showError($('as-error'), error.message || '加载失败，请稍后重试');
    return;
  }
  syncUrl();
  await loadAll();
}

main();
