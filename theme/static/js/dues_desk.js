// 党费收缴 (/dues-desk.html): a unit's month for its staff — who paid, who did not, who is not
// assessed (未核定) — with 记现金 on each row for those who manage it (a dialog asks the amount;
// the request key makes a retry the same payment), and the collection rate of the units below it
// by month and quarter as plain bars. ?member=<no>: her payments, each with 冲正 (a reason asked).
import { api } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { yuan } from './dues.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const UNIT_ID = /^[0-9A-Za-z_-]{1,32}$/;
const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
const QUARTER = /^[0-9]{4}-Q[1-4]$/;
const AMOUNT = /^[0-9]{1,6}(\.[0-9]{1,2})?$/;

const state = { unit: null, month: null, quarter: null, manage: false };

function shiftMonth(month, n) {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

function shiftQuarter(quarter, n) {
  const total = Number(quarter.slice(0, 4)) * 4 + Number(quarter.slice(6)) - 1 + n;
  return `${Math.floor(total / 4)}-Q${(total % 4) + 1}`;
}

function quarterLabel(quarter) {
  return `${quarter.slice(0, 4)}年第${'一二三四'[Number(quarter.slice(6)) - 1]}季度`;
}

function rate(value) {
  return value === null || value === undefined ? '—' : `${Number(value).toFixed(1)}%`;
}

function requestKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fen(text) {
  const [whole, part = ''] = text.split('.');
  return Number(whole) * 100 + Number(part.padEnd(2, '0'));
}

function today() {
  // The organisation's day (Beijing), as the server checks it.
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return now.toISOString().slice(0, 10);
}

function syncUrl() {
  const query = new URLSearchParams({ unit: state.unit, month: state.month, quarter: state.quarter });
  history.replaceState(null, '', `/dues-desk.html?${query}`);
}

// --- the month ---------------------------------------------------------------------------------

async function recordCash(row) {
  const { promptDialog } = await import('./dialog.js');
  const lacking = row.lacking_fen > 0 ? `尚欠 ${yuan(row.lacking_fen)} 元。` : '';
  const key = requestKey(); // one payment, however often 确定 is retried
  let answer = null;
  const text = await promptDialog({
    title: `记录现金交纳：${row.name}`,
    text: `${row.label}应交 ${yuan(row.expected_fen || 0)} 元，${lacking}按最早未交的月份依次抵扣，交费日期为今天。`,
    label: '金额（元）',
    placeholder: '金额（元），如 30.00',
    line: true,
    inputMode: 'decimal',
    maxLength: 10,
    required: true,
    missing: '请填写金额',
    ok: '记录',
    check: (value) => (AMOUNT.test(value) && fen(value) > 0 ? null : '金额应为大于 0 的数字，最多两位小数'),
  });
  if (text === null) return;
  try {
    answer = await api('/api/dues/payments', {
      method: 'POST',
      body: { member_no: row.member_no, amount_fen: fen(text), paid_on: today(), request_key: key },
    });
  } catch (error) {
    showError($('dd-error'), `未记录：${error.message}`);
    return;
  }
  const told = `已记录 ${yuan(answer.payment.amount_fen)} 元`;
  import('./toast.js').then((m) => m.toast(told)).catch(() => {});
  await Promise.all([loadMonth(), loadFigures()]);
}

function memberRow(row) {
  const li = el('li', 'dues-row');
  const top = el('span', 'dues-row-top');
  const name = el('a', 'dues-row-title', row.name);
  name.href = `/dues-desk.html?unit=${encodeURIComponent(state.unit)}&member=${encodeURIComponent(row.member_no)}`;
  top.append(name, el('span', `dues-status is-${row.status}`, row.status_label));
  li.append(top);
  // Staff above her branch get her status only: her amount would give her 党费基数 back.
  const money = !('expected_fen' in row)
    ? '金额仅本人及所在支部可见'
    : row.expected_fen === null
      ? '尚未核定应交金额'
      : `应交 ${yuan(row.expected_fen)} 元，已交 ${yuan(row.paid_fen)} 元`;
  li.append(el('span', 'dues-row-meta', `${row.member_no} · ${money}`));
  if (state.manage && row.expected_fen) {
    const button = el('button', 'btn btn-mini dd-cash', '记现金');
    button.type = 'button';
    button.setAttribute('aria-label', `为${row.name}记录现金交纳`);
    button.addEventListener('click', () => recordCash(row).catch((e) => showError($('dd-error'), e.message)));
    li.append(button);
  }
  return li;
}

async function loadMonth() {
  const list = $('dd-rows');
  list.setAttribute('aria-busy', 'true');
  const answer = await api(`/api/units/${encodeURIComponent(state.unit)}/dues?month=${state.month}`);
  state.manage = answer.may_manage;
  $('dd-unit').textContent = answer.unit.name;
  $('dd-month').textContent = answer.label;
  const t = answer.totals;
  $('dd-totals').textContent =
    `应交 ${t.assessed} 人，已交清 ${t.paid_members} 人，未核定 ${t.unassessed} 人；` +
    (t.money
      ? `应收 ${yuan(t.expected_fen)} 元，实收 ${yuan(t.paid_fen)} 元，收缴率 ${rate(t.rate)}`
      : '金额合计仅在各支部应交人数不少于 3 人时显示');
  list.textContent = '';
  list.append(...answer.items.map(memberRow));
  $('dd-empty').hidden = answer.items.length > 0;
  list.setAttribute('aria-busy', 'false');
}

// --- the figures -------------------------------------------------------------------------------

function bar(label, figures) {
  const wrap = el('div', 'dd-bar');
  const head = el('span', 'dd-bar-label');
  head.append(el('span', '', label), el('span', 'dd-bar-value', figures.future ? '未到' : figures.money ? rate(figures.rate) : `交清 ${figures.paid_members}/${figures.assessed} 人`));
  const track = el('span', 'dd-bar-track');
  const fill = el('span', 'dd-bar-fill');
  fill.style.width = `${Math.max(0, Math.min(100, figures.rate || 0))}%`;
  track.append(fill);
  track.setAttribute('aria-hidden', 'true');
  wrap.append(head, track);
  return wrap;
}

function unitBlock(name, line, months) {
  const box = el('section', 'dd-unit');
  box.append(el('h3', 'dd-unit-name', name));
  line.months.forEach((m, i) => box.append(bar(months[i].label, m)));
  box.append(bar('本季度', line.quarter));
  box.lastChild.classList.add('is-quarter');
  return box;
}

async function loadFigures() {
  const area = $('dd-figures');
  area.setAttribute('aria-busy', 'true');
  const answer = await api(`/api/units/${encodeURIComponent(state.unit)}/dues/figures?quarter=${state.quarter}`);
  $('dd-quarter').textContent = quarterLabel(answer.quarter);
  area.textContent = '';
  area.append(unitBlock(`${answer.unit.name}（合计）`, answer.total, answer.months));
  for (const child of answer.children) area.append(unitBlock(child.name, child, answer.months));
  area.setAttribute('aria-busy', 'false');
}

// --- a member's payments -----------------------------------------------------------------------

async function reversePayment(payment) {
  const { promptDialog } = await import('./dialog.js');
  const reason = await promptDialog({
    title: `冲正：${yuan(payment.amount_fen)} 元`,
    text: `${payment.paid_on} ${payment.method_label}。冲正后其抵扣的月份恢复为未交。`,
    label: '冲正原因',
    placeholder: '请写明原因（2–200 字）',
    required: true,
    danger: true,
    ok: '冲正',
  });
  if (reason === null) return;
  try {
    await api(`/api/dues/payments/${encodeURIComponent(payment.ref)}/reverse`, { method: 'POST', body: { reason } });
  } catch (error) {
    showError($('dd-error'), error.message);
    return;
  }
  await showMember(params.get('member'));
}

function paymentRow(p) {
  const li = el('li', 'dues-row');
  const top = el('span', 'dues-row-top');
  top.append(el('span', 'dues-row-title', `${yuan(p.amount_fen)} 元`));
  if (p.state === 'reversed') top.append(el('span', 'dues-status is-unpaid', '已冲正'));
  li.append(top);
  li.append(el('span', 'dues-row-meta', `${p.paid_on} · ${p.method_label}${p.reference ? ` · 流水号 ${p.reference}` : ''}`));
  li.append(el('span', 'dues-row-meta', `抵扣：${p.allocations.map((a) => `${a.label} ${yuan(a.fen)} 元`).join('，')}`));
  if (p.reverse_reason) li.append(el('span', 'dues-row-meta', `冲正原因：${p.reverse_reason}`));
  if (p.state === 'applied' && state.manage) {
    const button = el('button', 'btn btn-mini btn-default dd-cash', '冲正');
    button.type = 'button';
    button.addEventListener('click', () => reversePayment(p).catch((e) => showError($('dd-error'), e.message)));
    li.append(button);
  }
  return li;
}

async function showMember(memberNo) {
  $('dd-back').href = `/dues-desk.html?unit=${encodeURIComponent(state.unit || '')}`;
  const d = await api(`/api/dues/members/${encodeURIComponent(memberNo)}`);
  $('dd-m-name').textContent = `${d.name}（${d.member_no}）`;
  state.manage = d.may_manage; // 冲正: her branch's secretary only
  const list = $('dd-m-payments');
  list.textContent = '';
  if (!d.amounts) {
    // Above her branch: which months are unpaid, no amount and no payment.
    $('dd-m-state').textContent = d.arrears_months.length
      ? `未交：${d.arrears_months.map((m) => `${Number(m.slice(0, 4))}年${Number(m.slice(5))}月`).join('、')}`
      : '本月及以前均已交清';
    list.append(el('li', 'dues-row dues-row-meta', '交费金额仅本人及所在支部书记、委员可见。'));
    $('dd-member').hidden = false;
    return;
  }
  const credit = d.credit_fen > 0 ? `；多交结余 ${yuan(d.credit_fen)} 元（核定金额调低所致，请冲正后重记或退还）` : '';
  $('dd-m-state').textContent = (d.arrears_fen > 0 ? `尚欠 ${yuan(d.arrears_fen)} 元` : '本月及以前均已交清') + credit;
  list.append(...d.payments.map(paymentRow));
  if (!d.payments.length) list.append(el('li', 'dues-row dues-row-meta', '还没有交费记录。'));
  $('dd-member').hidden = false;
}

async function firstUnit() {
  const me = await api('/api/me');
  const role = (me.roles || []).find((r) => r.unit);
  return role ? role.unit.id : null;
}

async function main() {
  const unit = params.get('unit');
  state.unit = unit && UNIT_ID.test(unit) ? unit : null;
  try {
    const member = params.get('member');
    if (member) {
      await showMember(member);
      return;
    }
    if (!state.unit) state.unit = await firstUnit();
    if (!state.unit) throw new Error('您没有可以查看党费收缴的组织');
    const month = params.get('month');
    const now = today().slice(0, 7);
    state.month = month && MONTH.test(month) ? month : now;
    const quarter = params.get('quarter');
    state.quarter = quarter && QUARTER.test(quarter) ? quarter : `${now.slice(0, 4)}-Q${Math.floor((Number(now.slice(5, 7)) - 1) / 3) + 1}`;
    const step = (key, n, load) => async () => {
      hideError($('dd-error'));
      state[key] = key === 'month' ? shiftMonth(state.month, n) : shiftQuarter(state.quarter, n);
      syncUrl();
      await load().catch((e) => showError($('dd-error'), e.message));
    };
    $('dd-prev').addEventListener('click', step('month', -1, loadMonth));
    $('dd-next').addEventListener('click', step('month', 1, loadMonth));
    $('dd-qprev').addEventListener('click', step('quarter', -1, loadFigures));
    $('dd-qnext').addEventListener('click', step('quarter', 1, loadFigures));
    syncUrl();
    // The view appears whole once both answered: nothing on screen moves as they arrive.
    await Promise.all([loadMonth(), loadFigures()]);
    $('dd-view').hidden = false;
  } catch (error) {
    showError($('dd-error'), error.message);
  }
}

main();
