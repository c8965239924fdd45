// 一月一清单 (/meeting-plan.html?unit=<id>&month=YYYY-MM): a unit's list for the month — each
// kind to hold, who is responsible, by when, 已完成 / 未完成 / 逾期 in words with the meeting
// that fulfilled it; staff with manage scope adjust an item (responsible, due date, note, taken
// off the list). For a unit above a branch, its subtree's month (units × kinds, done, overdue,
// warned), each unit linking to its own list, and what is overdue. Month by month.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const STATUS = { done: '已完成', open: '未完成', overdue: '逾期', removed: '已移出清单' };
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const params = new URLSearchParams(location.search);
let unitId = params.get('unit') || '';
let month = MONTH.test(params.get('month') || '') ? params.get('month') : '';

function pageUrl(unit, m) {
  const query = new URLSearchParams({ unit });
  if (m) query.set('month', m);
  return `/meeting-plan.html?${query}`;
}

function monthLabel(m) {
  return `${Number(m.slice(0, 4))}年${Number(m.slice(5, 7))}月`;
}

function cnDate(iso) {
  return `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
}

function setNav(plan) {
  $('plan-month').textContent = plan.month_label;
  const prev = $('plan-prev');
  prev.href = pageUrl(unitId, plan.prev);
  const next = $('plan-next');
  if (plan.next) {
    next.href = pageUrl(unitId, plan.next);
    next.removeAttribute('aria-disabled');
  } else {
    next.removeAttribute('href');
    next.setAttribute('aria-disabled', 'true');
  }
}

function meetingLink(item) {
  const m = item.meeting;
  if (!m) return null;
  const done = item.status === 'done';
  const link = el('a', 'plan-meeting', `${done ? '会议记录' : '已安排'}：${cnDate(m.starts_at)} ${m.topic}`);
  link.href = done ? m.url : `/meeting-desk.html?unit=${encodeURIComponent(unitId)}&id=${encodeURIComponent(m.id)}`;
  return link;
}

function itemRow(item, plan) {
  const li = el('li', `plan-item is-${item.status}`);
  li.dataset.kind = item.kind;
  const head = el('div', 'plan-item-hd');
  head.append(el('span', 'plan-item-title', item.title));
  head.append(el('span', `plan-status is-${item.status}`, STATUS[item.status] || item.status));
  li.append(head);
  const facts = el('dl', 'plan-facts');
  const fact = (name, value) => {
    facts.append(el('dt', '', name), el('dd', '', value));
  };
  fact('类别', item.kind_label);
  fact('负责人', item.responsible_name ? `${item.responsible_name}（${item.responsible}）` : '未指定');
  fact('截止', cnDate(item.due));
  if (item.note) fact('备注', item.note);
  li.append(facts);
  const link = meetingLink(item);
  if (link) li.append(link);
  if (plan.may_manage) li.append(editor(item, plan));
  return li;
}

// The adjust form, folded in a <details> under the item (a plain tap opens it; no dialog).
function editor(item, plan) {
  const box = el('details', 'plan-adjust');
  box.append(el('summary', 'plan-adjust-summary', '调整'));
  const form = $('plan-edit-template').content.firstElementChild.cloneNode(true);
  const field = (name) => form.elements.namedItem(name);
  field('responsible').value = item.responsible || '';
  field('due').value = item.due;
  field('due').min = `${plan.month}-01`;
  field('note').value = item.note || '';
  const remove = form.querySelector('[data-action="remove"]');
  remove.textContent = item.removed ? '恢复到清单' : '移出清单';
  const area = form.querySelector('.plan-edit-error');
  const send = async (body, button) => {
    hideError(area);
    button.disabled = true;
    try {
      const answer = await api(`/api/units/${encodeURIComponent(unitId)}/plan/${encodeURIComponent(item.ref)}`, {
        method: 'PUT',
        body,
      });
      renderPlan(answer);
      import('./toast.js').then((m) => m.toast('已保存')).catch(() => {});
    } catch (error) {
      showError(area, error.message || '保存失败，请稍后重试');
      button.disabled = false;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {};
    const responsible = field('responsible').value.trim();
    if (responsible && responsible !== (item.responsible || '')) body.responsible = responsible;
    if (field('due').value !== item.due) body.due = field('due').value;
    if (field('note').value.trim() !== (item.note || '')) body.note = field('note').value.trim();
    if (!Object.keys(body).length) {
      showError(area, '没有要修改的内容');
      return;
    }
    send(body, form.querySelector('[type="submit"]'));
  });
  remove.addEventListener('click', () => send({ removed: !item.removed }, remove));
  box.append(form);
  return box;
}

function renderPlan(plan) {
  month = plan.month;
  $('plan-unit').textContent = `${plan.unit.name} · ${plan.month_label}`;
  document.title = `${plan.unit.name} ${plan.month_label} · 一月一清单`;
  setNav(plan);
  const list = $('plan-items');
  list.replaceChildren(...plan.items.filter((i) => plan.may_manage || !i.removed).map((i) => itemRow(i, plan)));
  list.setAttribute('aria-busy', 'false');
  $('plan-empty').hidden = list.children.length > 0;
  $('plan-preview').hidden = !plan.preview;
  $('plan-own').hidden = plan.unit.kind !== 'branch' && list.children.length === 0;
}

function cellText(figure) {
  if (!figure) return '—';
  if (!figure.required) return figure.held ? `${figure.held}` : '—';
  return `${figure.held}/${figure.required}`;
}

function renderTree(view) {
  const rows = view.rows.filter((r) => Object.values(r.by_kind).some((v) => v.required || v.held));
  const s = view.summary;
  $('plan-summary').textContent = `应开展的组织 ${s.units} 个：已完成 ${s.done} 个，有逾期 ${s.overdue} 个，已预警 ${s.warned} 个`;
  const table = $('plan-table');
  const head = el('tr');
  head.append(el('th', 'plan-unit-col', '组织'));
  for (const kind of view.kinds) head.append(el('th', '', kind.label));
  head.append(el('th', '', '完成'), el('th', '', '预警'));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const row of rows) {
    const tr = el('tr', row.done ? 'is-done' : '');
    tr.dataset.unit = row.unit_id;
    const name = el('th', 'plan-unit-col');
    name.scope = 'row';
    const link = el('a', '', row.name);
    link.href = pageUrl(row.unit_id, view.month);
    name.append(link);
    tr.append(name);
    const overdue = new Set(row.overdue.map((o) => o.kind));
    for (const kind of view.kinds) {
      const figure = row.by_kind[kind.key];
      const td = el('td', overdue.has(kind.key) ? 'is-overdue' : '', cellText(figure));
      if (overdue.has(kind.key)) td.append(el('span', 'plan-cell-note', '逾期'));
      tr.append(td);
    }
    tr.append(el('td', row.done ? 'is-done' : '', row.done ? '已完成' : '未完成'));
    tr.append(el('td', row.warned ? 'is-warned' : '', row.warned ? '已预警' : '—'));
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
  $('plan-computed').textContent = view.computed_at
    ? `统计于 ${new Date(view.computed_at * 1000).toLocaleString('zh-CN', { hour12: false })}（每天凌晨统计；打开某个支部的清单时即时更新该支部）`
    : '本月尚未统计（每天凌晨统计一次）';
  $('plan-tree').hidden = false;
}

function renderOverdue(view) {
  const list = $('plan-overdue');
  list.replaceChildren(
    ...view.units.map((u) => {
      const li = el('li', 'plan-overdue-item');
      const link = el('a', '', `${u.name} · ${monthLabel(u.month)}`);
      link.href = pageUrl(u.unit_id, u.month);
      li.append(link, el('span', 'plan-overdue-kinds', u.overdue.map((o) => `${o.label}（${cnDate(o.due)}截止）`).join('、')));
      return li;
    }),
  );
  $('plan-overdue-empty').hidden = view.units.length > 0;
}

async function defaultUnit() {
  const me = await api('/api/me');
  const roles = me.roles || [];
  return roles.length ? roles[0].unit.id : me.branch.id;
}

function signedOut() {
  $('plan').hidden = true;
  $('plan-login').hidden = false;
}

async function main() {
  const login = $('plan-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return; // the page as built: 请先登录
  login.hidden = true;
  $('plan').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  try {
    if (!unitId) {
      unitId = await defaultUnit();
      history.replaceState(null, '', pageUrl(unitId, month));
    }
    const query = month ? `?month=${month}` : '';
    const plan = await api(`/api/units/${encodeURIComponent(unitId)}/plan${query}`);
    renderPlan(plan);
    if (plan.unit.kind !== 'branch' && plan.month <= plan.today.slice(0, 7)) {
      const [view, overdue] = await Promise.all([
        api(`/api/units/${encodeURIComponent(unitId)}/month?month=${plan.month}`),
        api(`/api/units/${encodeURIComponent(unitId)}/overdue`),
      ]);
      renderTree(view);
      renderOverdue(overdue);
    }
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('plan-error'), `清单暂时无法显示：${error.message}`);
    $('plan-items').setAttribute('aria-busy', 'false');
  }
}

main();
