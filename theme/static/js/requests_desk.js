// 诉求办理 (/requests-desk.html): the queue of each unit where her roles apply, most urgent
// first, 超时 in words; the steps she may take — 受理, 移交 (to another unit, with a reason),
// 办理, 办结 (with the answer) — each sending the version shown (a step taken meanwhile by a
// colleague is refused, and the queue reloads); the four rates of a unit's subtree for a month,
// quarter or year, each unit's row opening its queue to read (督办).
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog, promptDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { item } from './requests_view.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
let targets = [];

async function send(r, body, done) {
  try {
    await api(`/api/service-requests/${encodeURIComponent(r.id)}/steps`, {
      method: 'POST',
      body: { ...body, version: r.version },
    });
    toast(done);
  } catch (error) {
    showError($('rd-error'), error.message);
  }
  await loadQueues();
  if (!$('rd-rates').hidden) await loadRates();
}

function transferForm(r) {
  const form = el('form', 'rq-transfer');
  form.noValidate = true;
  form.hidden = true;
  const select = el('select');
  select.setAttribute('aria-label', '移交给');
  select.append(el('option', '', '请选择接收单位'));
  select.firstChild.value = '';
  for (const t of targets.filter((u) => u.id !== r.unit.id)) {
    const option = el('option', '', t.name);
    option.value = t.id;
    select.append(option);
  }
  const reason = el('input', 'cell-input');
  reason.maxLength = 200;
  reason.placeholder = '移交原因';
  reason.setAttribute('aria-label', '移交原因');
  const error = el('p', 'toptips');
  error.hidden = true;
  error.setAttribute('role', 'alert');
  const button = el('button', 'btn btn-mini', '确认移交');
  button.type = 'submit';
  form.append(select, reason, error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError(error);
    if (!select.value) return showError(error, '请选择接收单位');
    if (!reason.value.trim()) return showError(error, '请填写移交原因');
    await send(r, { act: 'transfer', to_unit: select.value, note: reason.value.trim() }, '已移交');
    return null;
  });
  return form;
}

const ACTS = {
  accept: async (r) => {
    if (await confirmDialog({ title: '受理该诉求？', text: `受理后请在 ${r.limit_hours ? '规定时限' : ''}内办结并答复。`, ok: '受理' })) {
      await send(r, { act: 'accept' }, '已受理');
    }
  },
  handle: async (r) => {
    const note = await promptDialog({ title: '开始办理', label: '办理说明（选填）', placeholder: '如：已联系相关部门', maxLength: 200, ok: '开始办理' });
    if (note === null) return;
    await send(r, note ? { act: 'handle', note } : { act: 'handle' }, '已开始办理');
  },
  close: async (r) => {
    const answer = await promptDialog({
      title: '办结并答复',
      text: r.text,
      label: '答复内容',
      placeholder: '请填写答复内容（2–1000 字）',
      required: true,
      missing: '请填写答复内容',
      maxLength: 1000,
      ok: '办结',
    });
    if (answer === null) return;
    await send(r, { act: 'close', answer }, '已办结，已通知提出人');
  },
};
const LABELS = { accept: '受理', transfer: '移交', handle: '办理', close: '办结' };

function desk(r) {
  const li = item(r, { showName: true });
  if (!r.may.length) return li;
  const row = el('div', 'btn-row rq-actions');
  let form = null;
  for (const act of r.may) {
    const button = el('button', `btn btn-mini${act === 'transfer' ? ' btn-default' : ''}`, LABELS[act]);
    button.type = 'button';
    button.dataset.act = act;
    if (act === 'transfer') {
      form = transferForm(r);
      button.addEventListener('click', () => { form.hidden = !form.hidden; });
    } else {
      button.addEventListener('click', () => ACTS[act](r));
    }
    row.append(button);
  }
  li.append(row);
  if (form) li.append(form);
  return li;
}

async function loadQueues() {
  const view = await api('/api/service-requests/desk');
  targets = view.targets;
  const box = $('rd-queues');
  box.replaceChildren();
  let open = 0;
  for (const q of view.queues) {
    const title = el('h2', 'cells-title', `${q.unit.name}：待办 ${q.requests.length} 件${q.overdue ? `，超时 ${q.overdue} 件` : ''}`);
    const list = el('ul', 'rq-list rd-queue');
    list.dataset.unit = q.unit.id;
    list.append(...q.requests.map(desk));
    box.append(title, list);
    open += q.requests.length;
  }
  box.setAttribute('aria-busy', 'false');
  $('rd-empty').hidden = open > 0;
  return view;
}

function periods() {
  const now = new Date();
  const y = now.getFullYear();
  const m = now.getMonth() + 1;
  const q = Math.floor((m - 1) / 3) + 1;
  const last = m === 1 ? [y - 1, 12] : [y, m - 1];
  return [
    [`${y}-${String(m).padStart(2, '0')}`, `本月（${m}月）`],
    [`${last[0]}-${String(last[1]).padStart(2, '0')}`, `上月（${last[1]}月）`],
    [`${y}-Q${q}`, `本季度（${y}年第${q}季度）`],
    [`${y}`, `本年（${y}年）`],
  ];
}

async function watch(unit) {
  const view = await api(`/api/units/${encodeURIComponent(unit.id)}/service-requests`);
  $('rd-watch').hidden = false;
  $('rd-watch-title').textContent = `${view.unit.name}：待办 ${view.requests.length} 件${view.overdue ? `，超时 ${view.overdue} 件` : ''}（督办）`;
  $('rd-watch-list').replaceChildren(...view.requests.map((r) => item(r, { showName: true })));
}

async function loadRates() {
  const unit = $('rd-unit').value;
  const period = $('rd-period').value;
  const view = await api(`/api/units/${encodeURIComponent(unit)}/service-request-rates?period=${encodeURIComponent(period)}`);
  const card = (name, figures, unitRow) => {
    const li = el('li', `rq-rates${unitRow ? '' : ' is-total'}`);
    if (unitRow) {
      li.style.paddingLeft = `calc(var(--gutter) + ${unitRow.depth}em)`;
      const button = el('button', 'rq-link', `${name}（${figures.submitted} 件）`);
      button.type = 'button';
      button.setAttribute('aria-label', `查看${name}的待办诉求`);
      button.addEventListener('click', () => watch(unitRow));
      li.append(button);
    } else {
      li.append(el('p', 'rq-rates-name', `${name}（${figures.submitted} 件）`));
    }
    const grid = el('dl', 'rq-rates-grid');
    for (const k of ['accept', 'transfer', 'close', 'satisfy']) {
      const r = figures.rates[k];
      const dd = el('dd', '', r.text);
      dd.title = `${r.num}/${r.den}`;
      grid.append(el('dt', '', r.label), dd);
    }
    li.append(grid);
    return li;
  };
  const rows = [card('合计', view.total, null)];
  for (const row of view.units) rows.push(card(row.unit.name, row, row.unit));
  $('rd-table').replaceChildren(...rows);
}

async function setUpRates(view) {
  if (!view.queues.length) return;
  const unit = $('rd-unit');
  for (const q of view.queues) {
    const option = el('option', '', q.unit.name);
    option.value = q.unit.id;
    unit.append(option);
  }
  for (const [value, label] of periods()) {
    const option = el('option', '', label);
    option.value = value;
    $('rd-period').append(option);
  }
  $('rd-rates').hidden = false;
  unit.addEventListener('change', loadRates);
  $('rd-period').addEventListener('change', loadRates);
  await loadRates();
}

async function main() {
  const login = $('rd-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('rd').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('rd').hidden = true;
    login.hidden = false;
    return;
  }
  try {
    const view = await loadQueues();
    await setUpRates(view);
  } catch (error) {
    if (error.status === 401) {
      $('rd').hidden = true;
      login.hidden = false;
    } else {
      showError($('rd-error'), `暂时无法显示：${error.message}`);
    }
    $('rd-queues').setAttribute('aria-busy', 'false');
  }
}

main();
