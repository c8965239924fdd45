// 我的党费 (/dues.html): the amount in force and how it was computed (her base, hers only), this
// month's state, arrears and advances, each month, and her payments with the months each paid.
// Signed out, the page keeps its 请先登录. Money arrives in fen and is shown as yuan.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { showError } from './form.js';

const $ = (id) => document.getElementById(id);

export function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function monthLabel(month) {
  return `${Number(month.slice(0, 4))}年${Number(month.slice(5, 7))}月`;
}

function monthRow(m) {
  const li = el('li', 'dues-row');
  const top = el('span', 'dues-row-top');
  top.append(el('span', 'dues-row-title', m.label), el('span', `dues-status is-${m.status}`, m.status_label));
  li.append(top);
  const money =
    m.expected_fen === null
      ? '尚未核定应交金额'
      : `应交 ${yuan(m.expected_fen)} 元，已交 ${yuan(m.paid_fen)} 元`;
  li.append(el('span', 'dues-row-meta', money));
  return li;
}

function paymentRow(p) {
  const li = el('li', 'dues-row');
  const top = el('span', 'dues-row-top');
  top.append(el('span', 'dues-row-title', `${yuan(p.amount_fen)} 元`));
  if (p.state === 'reversed') top.append(el('span', 'dues-status is-unpaid', '已冲正'));
  li.append(top);
  li.append(el('span', 'dues-row-meta', `${p.paid_on} · ${p.method_label}${p.reference ? ` · 流水号 ${p.reference}` : ''}`));
  const parts = p.allocations.map((a) => `${a.label} ${yuan(a.fen)} 元`);
  if (parts.length) li.append(el('span', 'dues-row-meta', `抵扣：${parts.join('，')}`));
  if (p.state === 'reversed' && p.reverse_reason) li.append(el('span', 'dues-row-meta', `冲正原因：${p.reverse_reason}`));
  return li;
}

function show(d) {
  const a = d.assessment;
  if (a) {
    $('dues-amount').textContent = `${yuan(a.amount_fen)} 元`;
    $('dues-bracket').textContent = a.bracket;
    $('dues-from').textContent = monthLabel(a.effective_from);
    if (a.base_fen !== null && a.base_fen !== undefined) {
      $('dues-base').textContent = `${yuan(a.base_fen)} 元/月`;
      $('dues-base-cell').hidden = false;
      $('dues-base-note').hidden = false;
    }
  } else {
    $('dues-amount').textContent = '未核定';
    $('dues-bracket').textContent = '您的党费尚未核定，请联系支部。';
    $('dues-from').textContent = '—';
  }
  let state = '本月及以前均已交清';
  if (d.arrears_fen > 0) {
    state = `尚欠 ${yuan(d.arrears_fen)} 元（${d.arrears_months.map(monthLabel).join('、')}）`;
  }
  if (d.advance_months.length) state += `；已预交至 ${monthLabel(d.advance_months[d.advance_months.length - 1])}`;
  if (d.credit_fen > 0) state += `；多交结余 ${yuan(d.credit_fen)} 元（核定金额调低后多交的部分，由支部处理）`;
  $('dues-state').textContent = state;
  $('dues-state').classList.toggle('is-owing', d.arrears_fen > 0);
  $('dues-months').append(...d.months.map(monthRow));
  $('dues-payments').append(...d.payments.map(paymentRow));
  $('dues-no-payments').hidden = d.payments.length > 0;
}

function signedOut() {
  $('dues-view').hidden = true;
  $('dues-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  // The view appears whole once her dues are in: nothing on screen moves as they arrive.
  $('dues-login').hidden = true;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  try {
    show(await api('/api/me/dues'));
  } catch (error) {
    if (error.status === 401) signedOut();
    else {
      $('dues-amount').textContent = '—';
      showError($('dues-error'), `党费信息暂时无法显示：${error.message}`);
    }
  }
  $('dues-view').hidden = $('dues-login').hidden === false;
  $('dues-view').setAttribute('aria-busy', 'false');
}

if (document.getElementById('dues-view')) main();
