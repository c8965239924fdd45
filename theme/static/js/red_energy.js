// 红能量 (/red-energy.html): her balance (earned − spent), the items she may redeem and the
// donation projects with their progress (her branch's first, then the units above it), her
// orders and every movement. Each redemption or donation carries a request id kept for that
// intended spend (the item, quantity and cost; the project and amount) until a definite answer
// arrives: if the network loses the answer and she taps again, the server answers the first
// outcome and nothing is spent twice.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog, formDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
let balance = 0;

export function requestKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Request ids of intended writes still without a definite answer, by what they ask for. Kept in
// sessionStorage (a reload of the tab keeps them too), in memory where storage is refused.
const PENDING = 'red_energy_pending:';
const unsettled = new Map();

function keyFor(slot) {
  try {
    let key = sessionStorage.getItem(PENDING + slot);
    if (!key) {
      key = requestKey();
      sessionStorage.setItem(PENDING + slot, key);
    }
    return key;
  } catch {
    if (!unsettled.has(slot)) unsettled.set(slot, requestKey());
    return unsettled.get(slot);
  }
}

function settle(slot) {
  unsettled.delete(slot);
  try {
    sessionStorage.removeItem(PENDING + slot);
  } catch {
    // nothing stored
  }
}

// Sends `send(requestKey)` for the write `slot` names, with the id of its unanswered attempt if
// there is one. The id is dropped on an answer (2xx) or a refusal (4xx); a lost answer (network,
// 5xx) keeps it, so the next tap is the same request.
export async function sendOnce(slot, send) {
  try {
    const answer = await send(keyFor(slot));
    settle(slot);
    return answer;
  } catch (error) {
    if (error.status >= 400 && error.status < 500) settle(slot);
    throw error;
  }
}

export function time(seconds) {
  const d = new Date(seconds * 1000);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

function row(title, badge, badgeClass) {
  const li = el('li', 're-row');
  const top = el('span', 're-row-top');
  top.append(el('span', 're-row-title', title));
  if (badge) top.append(el('span', `re-badge ${badgeClass || ''}`, badge));
  li.append(top);
  return li;
}

async function redeem(item) {
  const most = Math.min(10, item.stock);
  const answer = await formDialog({
    title: `兑换${item.title}`,
    text: `每件 ${item.cost} 红能量，您的余额 ${balance}。`,
    ok: '兑换',
    fields: [{ name: 'quantity', label: '数量', type: 'number', value: '1', min: '1', max: String(most), inputMode: 'numeric', required: true }],
  });
  if (answer === null) return;
  const quantity = Number(answer.quantity);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > most) {
    showError($('re-error'), `数量须为 1–${most} 之间的整数`);
    return;
  }
  const body = { item_id: item.id, quantity, cost: item.cost };
  await spend('/api/red-energy/redemptions', `redeem:${item.id}:${quantity}:${item.cost}`, body, '兑换成功，请等待支部发放');
}

async function donate(project) {
  const most = Math.min(project.remaining, balance);
  const answer = await formDialog({
    title: `捐赠：${project.title}`,
    text: `本项目还差 ${project.remaining} 红能量，您的余额 ${balance}。`,
    ok: '捐赠',
    fields: [{ name: 'amount', label: '捐赠数额', type: 'number', min: '1', max: String(most), inputMode: 'numeric', required: true }],
  });
  if (answer === null) return;
  const amount = Number(answer.amount);
  if (!Number.isInteger(amount) || amount < 1) {
    showError($('re-error'), '捐赠数额须为正整数');
    return;
  }
  if (!(await confirmDialog({ title: '确认捐赠', text: `向“${project.title}”捐赠 ${amount} 红能量？`, ok: '确认捐赠' }))) return;
  const body = { project_id: project.id, amount };
  await spend('/api/red-energy/donations', `donate:${project.id}:${amount}`, body, '捐赠成功，感谢您的爱心');
}

async function spend(path, slot, body, done) {
  hideError($('re-error'));
  try {
    await sendOnce(slot, (key) => api(path, { method: 'POST', body: { ...body, request_key: key } }));
    toast(done);
  } catch (error) {
    showError($('re-error'), error.message);
  }
  await load();
}

function itemRow(item) {
  const li = row(item.title, item.stock > 0 ? `${item.cost} 红能量` : '已兑完', item.stock > 0 ? 'is-cost' : '');
  li.dataset.id = item.id;
  if (item.description) li.append(el('span', 're-row-meta', item.description));
  li.append(el('span', 're-row-meta', `${item.unit.name} · 剩余 ${item.stock} 件`));
  const button = el('button', 'btn btn-mini re-act', '兑换');
  button.type = 'button';
  button.disabled = item.stock < 1 || item.cost > balance;
  if (item.stock > 0 && item.cost > balance) li.append(el('span', 're-row-meta', '余额不足'));
  button.addEventListener('click', () => redeem(item));
  li.append(button);
  return li;
}

function projectRow(p) {
  const li = row(p.title, p.open ? `截止 ${p.deadline}` : '已结束');
  li.dataset.id = p.id;
  if (p.description) li.append(el('span', 're-row-meta', p.description));
  const bar = el('span', 're-bar');
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', String(p.target));
  bar.setAttribute('aria-valuenow', String(p.raised));
  bar.setAttribute('aria-label', `${p.title}募集进度`);
  const fill = el('span', 're-bar-fill');
  fill.style.width = `${p.percent}%`;
  bar.append(fill);
  li.append(bar);
  li.append(el('span', 're-row-meta', `已筹 ${p.raised} / ${p.target} 红能量（${p.percent}%）· ${p.donations} 人次 · ${p.unit.name}`));
  const button = el('button', 'btn btn-mini re-act', '捐赠');
  button.type = 'button';
  button.disabled = !p.open || balance < 1;
  button.addEventListener('click', () => donate(p));
  li.append(button);
  return li;
}

function orderRow(o) {
  const li = row(`${o.title} × ${o.quantity}`, o.state_label, `is-${o.state}`);
  li.append(el('span', 're-row-meta', `${o.cost} 红能量 · ${time(o.created_at)}`));
  if (o.state === 'cancelled' && o.reason) li.append(el('span', 're-row-meta', `取消原因：${o.reason}（红能量已退回）`));
  if (o.state === 'done' && o.closed_at) li.append(el('span', 're-row-meta', `${time(o.closed_at)} 已发放`));
  return li;
}

function moveRow(m) {
  const sign = m.delta > 0 ? `+${m.delta}` : String(m.delta);
  const li = row(`${m.label}：${m.title}${m.quantity ? ` × ${m.quantity}` : ''}`, sign, m.delta > 0 ? 'is-in' : 'is-out');
  li.append(el('span', 're-row-meta', time(m.time)));
  return li;
}

function show(d) {
  balance = d.balance;
  $('re-balance').textContent = String(d.balance);
  $('re-balance').classList.toggle('is-negative', d.balance < 0);
  let figures = `累计获得 ${d.earned} · 已使用 ${d.spent}`;
  if (d.balance < 0) figures += '（积分被扣减后余额为负，补足前不能兑换或捐赠）';
  $('re-figures').textContent = figures;
  $('re-items').replaceChildren(...d.items.map(itemRow));
  $('re-projects').replaceChildren(...d.projects.map(projectRow));
  $('re-orders').replaceChildren(...d.orders.map(orderRow));
  $('re-moves').replaceChildren(...d.movements.map(moveRow));
  $('re-no-items').hidden = d.items.length > 0;
  $('re-no-projects').hidden = d.projects.length > 0;
  $('re-no-orders').hidden = d.orders.length > 0;
  $('re-no-moves').hidden = d.movements.length > 0;
}

function signedOut() {
  $('re-view').hidden = true;
  $('re-login').hidden = false;
}

async function load() {
  try {
    show(await api('/api/red-energy'));
  } catch (error) {
    if (error.status === 401) signedOut();
    else {
      $('re-balance').textContent = '—';
      showError($('re-error'), `红能量暂时无法显示：${error.message}`);
    }
  }
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('re-login').hidden = true;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  await load();
  $('re-view').hidden = $('re-login').hidden === false;
  $('re-view').setAttribute('aria-busy', 'false');
}

if (document.getElementById('re-view')) main();
