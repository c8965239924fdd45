// 组织关系转接 (/transfers.html?unit=<id>): a unit's transfers, open first, each with its steps,
// the days since the start and 超时 when past the prescribed time; the decisions the caller may
// take (同意接收 / 不同意 / 撤回 / 确认回执 / 介绍信退回 / 确认接收) in WeUI dialogs, a reason
// required where the API needs one; starting a transfer (to another branch, or out with a
// 介绍信) and registering an incoming member, for staff who manage the unit.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog, promptDialog } from './dialog.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let unitId = params.get('unit') || '';
let unit = null;

const ACTIONS = {
  approve: { label: '同意接收', title: '同意接收该党员？', text: '同意后组织关系即转入本支部，积分、学习和参会记录随之转入。' },
  refuse: { label: '不同意', title: '不同意接收', reason: '请填写不同意的理由', danger: true },
  cancel: { label: '撤回', title: '撤回本次转接', reason: '请填写撤回的理由', danger: true },
  receipt: { label: '确认回执', title: '确认已收到回执？', text: '确认后该党员的组织关系转出本组织，不能再以在册党员身份登录，其记录保留。' },
  returned: { label: '介绍信退回', title: '介绍信被退回', reason: '请填写退回的原因', danger: true },
  confirm: { label: '确认接收', title: '确认已收到组织关系？', text: '确认后该党员成为本支部的在册党员。' },
};

const DIRECTIONS = { in: '（转入本组织）', out: '（转出）', within: '（下级支部之间）' };

function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function day(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

function time(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getMonth() + 1}月${d.getDate()}日 ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function route(t) {
  const from = t.from ? t.from.name : t.other_org;
  const to = t.to ? t.to.name : t.other_org;
  return `${from} → ${to}`;
}

function steps(t) {
  const box = el('details', 'tr-steps');
  box.append(el('summary', 'tr-steps-summary', `办理过程（${t.steps.length} 步）`));
  const list = el('ol', 'tr-step-list');
  for (const s of t.steps) {
    const li = el('li', 'tr-step');
    li.append(el('span', 'tr-step-what', `${s.label}：${s.by_name || s.by}`));
    li.append(el('span', 'tr-step-when', time(s.time)));
    if (s.note) li.append(el('span', 'tr-step-note', s.note));
    list.append(li);
  }
  box.append(list);
  return box;
}

async function decide(t, action) {
  const spec = ACTIONS[action];
  let note = null;
  if (spec.reason) {
    note = await promptDialog({
      title: spec.title,
      text: `${t.member_name}：${route(t)}`,
      label: spec.reason,
      placeholder: spec.reason,
      required: true,
      missing: spec.reason,
      maxLength: 200,
      ok: spec.label,
      danger: spec.danger,
    });
    if (note === null) return;
  } else if (!(await confirmDialog({ title: spec.title, text: `${t.member_name}：${route(t)}。${spec.text}`, ok: spec.label }))) {
    return;
  }
  try {
    const body = note ? { decision: action, note } : { decision: action };
    await api(`/api/transfers/${encodeURIComponent(t.id)}/decision`, { method: 'POST', body });
    toast('已办理');
    await load();
  } catch (error) {
    showError($('tr-error'), error.message);
  }
}

function item(t) {
  const li = el('li', `tr-item is-${t.state}${t.overdue ? ' is-overdue' : ''}`);
  li.dataset.id = t.id;
  const head = el('div', 'tr-item-hd');
  head.append(el('span', 'tr-item-title', `${t.member_name}（${t.member_no}）`));
  head.append(el('span', `tr-state is-${t.state}`, t.state_label));
  if (t.overdue) head.append(el('span', 'tr-state is-overdue', '超时'));
  li.append(head);
  const facts = el('dl', 'tr-facts');
  const fact = (name, value) => facts.append(el('dt', '', name), el('dd', '', value));
  fact('类型', `${t.kind_label}${DIRECTIONS[t.direction] || ''}`);
  fact('去向', route(t));
  if (t.letter_no) fact('介绍信', t.letter_no);
  fact('原因', t.reason);
  fact('发起', day(t.started_at));
  if (t.state === 'pending') {
    fact('待办', `${t.waiting}（已 ${t.days} 天，规定 ${t.limit_days} 天内办结）`);
  } else if (t.ended_at) {
    fact('结束', day(t.ended_at));
  }
  li.append(facts);
  li.append(steps(t));
  const row = el('div', 'btn-row tr-actions');
  if (t.kind === 'out' && t.letter_no) {
    const link = el('a', 'btn btn-default btn-mini', '介绍信');
    link.href = `/transfer-letter.html?id=${encodeURIComponent(t.id)}`;
    row.append(link);
  }
  for (const action of t.may) {
    const button = el('button', `btn btn-mini${ACTIONS[action].danger ? ' btn-default' : ''}`, ACTIONS[action].label);
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => decide(t, action));
    row.append(button);
  }
  if (row.children.length) li.append(row);
  return li;
}

function render(view) {
  unit = view.unit;
  $('tr-unit').textContent = view.unit.name;
  $('tr-limit').textContent = `规定办理时限：${view.limit_days} 天，超过未办结的标为“超时”并提醒双方。`;
  const open = view.transfers.filter((t) => t.state === 'pending');
  const done = view.transfers.filter((t) => t.state !== 'pending');
  $('tr-open').replaceChildren(...open.map(item));
  $('tr-done').replaceChildren(...done.map(item));
  $('tr-open').setAttribute('aria-busy', 'false');
  $('tr-open-empty').hidden = open.length > 0;
  $('tr-done-empty').hidden = done.length > 0;
}

async function load() {
  const view = await api(`/api/units/${encodeURIComponent(unitId)}/transfers`);
  render(view);
  return view;
}

function kind() {
  return document.querySelector('input[name="tr-kind"]:checked').value;
}

async function setUpForms(view) {
  if (!view.manage) return;
  const [people, targets] = await Promise.all([
    api(`/api/units/${encodeURIComponent(unitId)}/meeting-invitees`),
    api('/api/transfer-branches'),
  ]);
  const member = $('tr-member');
  member.replaceChildren(el('option', '', '请选择党员'));
  member.firstChild.value = '';
  for (const m of people.members) {
    const option = el('option', '', `${m.name}（${m.member_no}）${m.branch ? ` · ${m.branch}` : ''}`);
    option.value = m.member_no;
    member.append(option);
  }
  const to = $('tr-to');
  to.replaceChildren(el('option', '', '请选择接收支部'));
  to.firstChild.value = '';
  for (const b of targets.branches) {
    const option = el('option', '', b.name);
    option.value = b.id;
    to.append(option);
  }
  for (const radio of document.querySelectorAll('input[name="tr-kind"]')) {
    radio.addEventListener('change', () => {
      $('tr-to-row').hidden = kind() !== 'internal';
      $('tr-org-row').hidden = kind() !== 'out';
    });
  }
  const form = $('tr-new');
  form.hidden = false;
  $('tr-submit').disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('tr-new-error'));
    const base = { member_no: member.value, reason: $('tr-reason').value.trim(), request_key: key() };
    if (!base.member_no) return showError($('tr-new-error'), '请选择党员');
    if (!base.reason) return showError($('tr-new-error'), '请填写转接原因');
    const out = kind() === 'out';
    if (!out && !to.value) return showError($('tr-new-error'), '请选择接收支部');
    if (out && !$('tr-org').value.trim()) return showError($('tr-new-error'), '请填写转入单位党组织名称');
    $('tr-submit').disabled = true;
    try {
      const made = out
        ? await api('/api/transfer-letters', { method: 'POST', body: { ...base, other_org: $('tr-org').value.trim() } })
        : await api('/api/transfers', { method: 'POST', body: { ...base, to_unit: to.value } });
      form.reset();
      $('tr-to-row').hidden = false;
      $('tr-org-row').hidden = true;
      toast(made.letter_no ? `已开具介绍信 ${made.letter_no}` : '已发起，等待接收支部确认');
      await load();
    } catch (error) {
      showError($('tr-new-error'), error.message);
    } finally {
      $('tr-submit').disabled = false;
    }
    return null;
  });
  if (unit.kind === 'branch') setUpArrival();
}

function setUpArrival() {
  const form = $('tr-in');
  form.hidden = false;
  $('in-submit').disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('tr-in-error'));
    const body = {
      member_no: $('in-no').value.trim(),
      name: $('in-name').value.trim(),
      to_unit: unitId,
      status: $('in-status').value,
      joined_on: $('in-joined').value,
      letter_no: $('in-letter').value.trim(),
      other_org: $('in-org').value.trim(),
      request_key: key(),
    };
    const phone = $('in-phone').value.trim();
    if (phone) body.phone = phone;
    $('in-submit').disabled = true;
    try {
      await api('/api/transfer-arrivals', { method: 'POST', body });
      form.reset();
      toast('已登记，收到组织关系后请确认接收');
      await load();
    } catch (error) {
      showError($('tr-in-error'), error.message);
    } finally {
      $('in-submit').disabled = false;
    }
  });
}

// A member without a role: her own transfer, if one is open (what it waits for, since when).
async function showMine() {
  const { transfer } = await api('/api/me/transfer');
  $('tr-staff').hidden = true;
  $('tr-mine').hidden = false;
  $('tr-mine-text').textContent = transfer
    ? `${transfer.kind_label}：转往${transfer.to}，${transfer.state_label}，${day(transfer.started_at)}发起，现待${transfer.waiting}。`
    : '您目前没有正在办理的组织关系转接。如需转接，请联系所在支部书记。';
}

function signedOut() {
  $('tr').hidden = true;
  $('tr-login').hidden = false;
}

async function main() {
  const login = $('tr-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  login.hidden = true;
  $('tr').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  try {
    if (!unitId) {
      const me = await api('/api/me');
      if (!(me.roles || []).length) {
        await showMine();
        return;
      }
      unitId = me.roles[0].unit.id;
      history.replaceState(null, '', `/transfers.html?unit=${encodeURIComponent(unitId)}`);
    }
    const view = await load();
    await setUpForms(view);
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('tr-error'), `暂时无法显示：${error.message}`);
    $('tr-open').setAttribute('aria-busy', 'false');
  }
}

main();
