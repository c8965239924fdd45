// 红能量管理 (/red-energy-desk.html?unit=<id>): a unit's orders to hand over (发放) or cancel with
// a reason (the member's red energy comes back), its items (兑换值, 库存 added or removed, 上架 /
// 下架) and donation projects (目标, 结束), and the forms to add them, for staff who manage it.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog, formDialog, promptDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { sendOnce, time } from './red_energy.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let unitId = params.get('unit') || '';
let manage = false;

function row(title, badge, badgeClass) {
  const li = el('li', 're-row');
  const top = el('span', 're-row-top');
  top.append(el('span', 're-row-title', title));
  if (badge) top.append(el('span', `re-badge ${badgeClass || ''}`, badge));
  li.append(top);
  return li;
}

function button(label, action, plain) {
  const b = el('button', `btn btn-mini${plain ? ' btn-default' : ''}`, label);
  b.type = 'button';
  b.addEventListener('click', action);
  return b;
}

async function act(run, done) {
  hideError($('rd-error'));
  try {
    await run();
    toast(done);
  } catch (error) {
    showError($('rd-error'), error.message);
  }
  await load();
}

function decide(o, decision) {
  const what = `${o.member_name}（${o.branch_name || ''}）：${o.title} × ${o.quantity}`;
  return async () => {
    let body = { decision };
    if (decision === 'fulfil') {
      if (!(await confirmDialog({ title: '确认已发放？', text: what, ok: '已发放' }))) return;
    } else {
      const reason = await promptDialog({
        title: '取消订单',
        text: `${what}。取消后 ${o.cost} 红能量退回该党员，库存恢复。`,
        label: '取消原因',
        placeholder: '如：该书暂时缺货',
        required: true,
        missing: '请填写取消原因',
        maxLength: 100,
        ok: '取消订单',
        cancel: '返回',
        danger: true,
      });
      if (reason === null) return;
      body = { decision, reason };
    }
    await act(() => api(`/api/red-energy/orders/${encodeURIComponent(o.id)}/decision`, { method: 'POST', body }), decision === 'fulfil' ? '已发放' : '已取消，红能量已退回');
  };
}

function orderRow(o) {
  const li = row(`${o.title} × ${o.quantity}`, o.state_label, `is-${o.state}`);
  li.dataset.id = o.id;
  li.append(el('span', 're-row-meta', `${o.member_name}（${o.member_no}）${o.branch_name ? ` · ${o.branch_name}` : ''} · ${o.cost} 红能量 · ${time(o.created_at)}`));
  if (o.state === 'cancelled' && o.reason) li.append(el('span', 're-row-meta', `取消原因：${o.reason}`));
  if (o.closed_at) li.append(el('span', 're-row-meta', `${o.closed_by_name || ''} ${time(o.closed_at)} 办理`));
  if (o.state === 'pending' && manage) {
    const actions = el('div', 're-actions');
    actions.append(button('发放', decide(o, 'fulfil')), button('取消', decide(o, 'cancel'), true));
    li.append(actions);
  }
  return li;
}

function edit(kind, offer, fields, title) {
  return async () => {
    const answer = await formDialog({ title, fields, ok: '保存' });
    if (answer === null) return;
    const body = {};
    for (const [name, value] of Object.entries(answer)) body[name] = /^-?[0-9]+$/.test(value) ? Number(value) : value;
    const path = `/api/red-energy/${kind}/${encodeURIComponent(offer.id)}`;
    if (!('stock_change' in body)) return act(() => api(path, { method: 'POST', body }), '已保存');
    // A change by so many pieces: one request id until answered, so a resend adds nothing twice.
    const slot = `${offer.id}:stock:${body.stock_change}`;
    await act(() => sendOnce(slot, (key) => api(path, { method: 'POST', body: { ...body, request_key: key } })), '已保存');
  };
}

function toggle(kind, offer) {
  return () => act(() => api(`/api/red-energy/${kind}/${encodeURIComponent(offer.id)}`, { method: 'POST', body: { active: !offer.active } }), offer.active ? '已下架' : '已上架');
}

function itemRow(i) {
  const li = row(i.title, i.active ? '上架中' : '已下架', i.active ? 'is-done' : '');
  li.dataset.id = i.id;
  li.append(el('span', 're-row-meta', `兑换值 ${i.cost} · 库存 ${i.stock} 件 · 已兑换 ${i.redeemed} 件`));
  if (manage) {
    const actions = el('div', 're-actions');
    actions.append(
      button('调整库存', edit('items', i, [{ name: 'stock_change', label: '增加（负数为减少）件数', type: 'number', inputMode: 'numeric', required: true }], `调整库存：${i.title}`)),
      button('修改兑换值', edit('items', i, [{ name: 'cost', label: '每件所需红能量', type: 'number', min: '1', value: String(i.cost), inputMode: 'numeric', required: true }], `修改兑换值：${i.title}`), true),
      button(i.active ? '下架' : '上架', toggle('items', i), true),
    );
    li.append(actions);
  }
  return li;
}

function projectRow(p) {
  const li = row(p.title, p.open ? `截止 ${p.deadline}` : '已结束');
  li.dataset.id = p.id;
  const bar = el('span', 're-bar');
  const fill = el('span', 're-bar-fill');
  fill.style.width = `${p.percent}%`;
  bar.append(fill);
  li.append(bar, el('span', 're-row-meta', `已筹 ${p.raised} / ${p.target}（${p.percent}%）· ${p.donations} 人次`));
  if (manage) {
    const actions = el('div', 're-actions');
    actions.append(
      button('修改目标', edit('projects', p, [{ name: 'target', label: '募集目标', type: 'number', min: '1', value: String(p.target), inputMode: 'numeric', required: true }], `修改目标：${p.title}`), true),
      button(p.active ? '结束项目' : '恢复项目', toggle('projects', p), true),
    );
    li.append(actions);
  }
  return li;
}

function render(view) {
  manage = view.manage;
  $('rd-unit').textContent = view.unit.name;
  $('rd-open').replaceChildren(...view.open_orders.map(orderRow));
  $('rd-closed').replaceChildren(...view.closed_orders.map(orderRow));
  $('rd-items').replaceChildren(...view.items.map(itemRow));
  $('rd-projects').replaceChildren(...view.projects.map(projectRow));
  $('rd-open-empty').hidden = view.open_orders.length > 0;
  $('rd-closed-empty').hidden = view.closed_orders.length > 0;
  $('rd-items-empty').hidden = view.items.length > 0;
  $('rd-projects-empty').hidden = view.projects.length > 0;
  $('rd-new-item').hidden = !manage;
  $('rd-new-project').hidden = !manage;
  $('ni-submit').disabled = !manage;
  $('np-submit').disabled = !manage;
}

async function load() {
  render(await api(`/api/red-energy/units/${encodeURIComponent(unitId)}`));
}

function whole(id) {
  const text = $(id).value.trim();
  return /^[0-9]+$/.test(text) ? Number(text) : text === '' ? null : NaN;
}

function setUpForms() {
  $('rd-new-item').addEventListener('submit', async (event) => {
    event.preventDefault();
    const area = $('ni-error');
    hideError(area);
    const body = { title: $('ni-title').value.trim(), cost: whole('ni-cost'), stock: whole('ni-stock') };
    if (!body.title) return showError(area, '请填写名称');
    if (!Number.isInteger(body.cost) || body.cost < 1) return showError(area, '兑换值须为正整数');
    if (!Number.isInteger(body.stock)) return showError(area, '库存须为整数');
    if ($('ni-desc').value.trim()) body.description = $('ni-desc').value.trim();
    try {
      // One new item however often 新增 is tapped after a lost answer.
      const slot = `${unitId}:items:${body.title}:${body.cost}:${body.stock}:${body.description || ''}`;
      const path = `/api/red-energy/units/${encodeURIComponent(unitId)}/items`;
      await sendOnce(slot, (key) => api(path, { method: 'POST', body: { ...body, request_key: key } }));
      $('rd-new-item').reset();
      toast('已新增');
      await load();
    } catch (error) {
      showError(area, error.message);
    }
  });
  $('rd-new-project').addEventListener('submit', async (event) => {
    event.preventDefault();
    const area = $('np-error');
    hideError(area);
    const body = { title: $('np-title').value.trim(), target: whole('np-target'), deadline: $('np-deadline').value };
    if (!body.title) return showError(area, '请填写名称');
    if (!Number.isInteger(body.target) || body.target < 1) return showError(area, '募集目标须为正整数');
    if (!body.deadline) return showError(area, '请选择截止日期');
    if ($('np-desc').value.trim()) body.description = $('np-desc').value.trim();
    try {
      // One new project however often 新增 is tapped after a lost answer.
      const slot = `${unitId}:projects:${body.title}:${body.target}:${body.deadline}:${body.description || ''}`;
      const path = `/api/red-energy/units/${encodeURIComponent(unitId)}/projects`;
      await sendOnce(slot, (key) => api(path, { method: 'POST', body: { ...body, request_key: key } }));
      $('rd-new-project').reset();
      toast('已新增');
      await load();
    } catch (error) {
      showError(area, error.message);
    }
  });
}

function signedOut() {
  $('rd').hidden = true;
  $('rd-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return;
  $('rd-login').hidden = true;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  $('rd').hidden = false;
  try {
    const { units } = await api('/api/red-energy/desk');
    if (!unitId && units.length) unitId = units[0].id;
    if (units.length > 1) {
      const select = $('rd-units');
      for (const u of units) {
        const option = el('option', '', u.name);
        option.value = u.id;
        option.selected = u.id === unitId;
        select.append(option);
      }
      select.addEventListener('change', () => {
        location.search = `?unit=${encodeURIComponent(select.value)}`;
      });
      $('rd-units-row').hidden = false;
    }
    if (!unitId) {
      showError($('rd-error'), '您没有可管理的单位：红能量由支部书记和上级党组织的管理人员维护。');
      return;
    }
    setUpForms();
    await load();
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('rd-error'), error.message);
  } finally {
    $('rd').setAttribute('aria-busy', 'false');
  }
}

if (document.getElementById('rd')) main();
