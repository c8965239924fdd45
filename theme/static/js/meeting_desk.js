// 会议管理 (/meeting-desk.html): the organiser's desk. ?unit=<id>: the unit's meetings and the
// form that notices a new one (the kinds the unit may hold; attendees by the kind's default, the
// whole unit, or chosen members; guests by member number); ?id=<meeting>: its attendance list,
// leave requests first, each with 批准 / 驳回 (a refusal asks for its reason), and 取消会议 (a
// dialog asks the reason; every invited member is told). Without ?unit the first unit her roles
// manage is taken.
import { api, requireLogin } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

requireLogin();

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MANAGE_ROLES = new Set(['branch_secretary', 'general_branch_committee', 'party_committee', 'admin']);
const MEETING_ID = /^mt_[A-Za-z0-9_-]{8,40}$/;
const UNIT_ID = /^[0-9A-Za-z_-]{1,32}$/;

// One key per meeting being noticed: a retried or doubled send creates it once.
let requestKey = newKey();

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function deskUrl(unit, id) {
  return `/meeting-desk.html?unit=${encodeURIComponent(unit)}${id ? `&id=${encodeURIComponent(id)}` : ''}`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function tomorrow() {
  const d = new Date(Date.now() + 86400000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function meetingRow(unit, meeting) {
  const link = el('a', 'mt-item');
  link.href = deskUrl(unit, meeting.id);
  const top = el('span', 'mt-item-top');
  top.append(el('span', 'mt-kind', meeting.kind_label));
  const states = { cancelled: '已取消', locked: '记录已提交' };
  if (states[meeting.state]) top.append(el('span', 'mt-state', states[meeting.state]));
  link.append(top, el('span', 'mt-item-title', meeting.topic));
  link.append(el('span', 'mt-item-meta', `${meeting.when} · 应到 ${meeting.invited} 人`));
  const li = el('li', 'mt-li');
  li.append(link);
  return li;
}

// --- the unit: its meetings and the create form ------------------------------------------------

let membersLoaded = false;

async function loadMembers(unit) {
  if (membersLoaded) return;
  membersLoaded = true;
  const box = $('f-members');
  box.textContent = '加载中…';
  try {
    const answer = await api(`/api/units/${encodeURIComponent(unit)}/meeting-invitees`);
    box.textContent = '';
    for (const m of answer.members) {
      const label = el('label', 'cell mt-choice');
      const input = el('input');
      input.type = 'checkbox';
      input.value = m.member_no;
      input.name = 'member';
      label.append(input, el('span', 'cell-bd', m.name), el('span', 'cell-desc', `${m.branch} · ${m.member_no}`));
      box.append(label);
    }
  } catch (error) {
    membersLoaded = false;
    box.textContent = '';
    showError($('f-error'), `党员名单暂时无法显示：${error.message}`);
  }
}

function attendees(unit) {
  const who = document.querySelector('input[name="who"]:checked').value;
  if (who === 'unit') return { units: [unit] };
  if (who === 'members') {
    const chosen = [...document.querySelectorAll('#f-members input[name="member"]:checked')].map((b) => b.value);
    if (!chosen.length) throw new Error('请至少选择一名参会党员');
    return { members: chosen };
  }
  return null;
}

function formBody(unit) {
  const v = (id) => $(id).value.trim();
  const date = v('f-date');
  if (!date || !v('f-start') || !v('f-end')) throw new Error('请填写会议日期和起止时间');
  const body = {
    unit_id: unit,
    kind: v('f-kind'),
    topic: v('f-topic'),
    starts_at: `${date}T${v('f-start')}+08:00`,
    ends_at: `${date}T${v('f-end')}+08:00`,
    visible_to_members: $('f-visible').checked,
    request_key: requestKey,
  };
  if (!body.topic) throw new Error('请填写会议主题');
  for (const [field, id] of [['place', 'f-place'], ['online_url', 'f-online'], ['agenda', 'f-agenda']]) {
    if (v(id)) body[field] = v(id);
  }
  if (!body.place && !body.online_url) throw new Error('请填写会议地点或线上会议链接');
  const who = attendees(unit);
  if (who) body.attendees = who;
  const guests = v('f-guests').split(/[\s,，、;；]+/).filter(Boolean);
  if (guests.length) body.guests = guests;
  return body;
}

function createForm(unit, kinds) {
  const select = $('f-kind');
  for (const kind of kinds) {
    const option = el('option', '', kind.label);
    option.value = kind.key;
    select.append(option);
  }
  $('f-date').value = tomorrow();
  $('f-start').value = '14:30';
  $('f-end').value = '16:30';
  for (const radio of document.querySelectorAll('input[name="who"]')) {
    radio.addEventListener('change', () => {
      const pick = radio.value === 'members' && radio.checked;
      $('f-members').hidden = !pick;
      if (pick) loadMembers(unit);
    });
  }
  const button = $('f-submit');
  button.disabled = false;
  // Any change makes it another meeting: a new key (a resend of the same form keeps its own).
  $('desk-new').addEventListener('input', () => {
    requestKey = newKey();
  });
  $('desk-new').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('f-error'));
    button.disabled = true;
    try {
      const meeting = await api('/api/meetings', { method: 'POST', body: formBody(unit) });
      requestKey = newKey();
      import('./toast.js').then((m) => m.toast('会议通知已发送')).catch(() => {});
      location.assign(deskUrl(unit, meeting.id));
    } catch (error) {
      showError($('f-error'), error.message);
      button.disabled = false;
    }
  });
}

async function showUnit(unit) {
  $('desk-unit').hidden = false;
  $('desk-plan').href = `/meeting-plan.html?unit=${encodeURIComponent(unit)}`;
  $('desk-book').href = `/meeting-book.html?unit=${encodeURIComponent(unit)}`;
  const answer = await api(`/api/units/${encodeURIComponent(unit)}/meetings`);
  $('desk-unit-name').textContent = answer.unit.name;
  const list = $('desk-list');
  list.append(...answer.items.map((m) => meetingRow(unit, m)));
  list.setAttribute('aria-busy', 'false');
  $('desk-empty').hidden = answer.items.length > 0;
  if (answer.access === 'manage') createForm(unit, answer.kinds);
  else $('desk-new').hidden = true;
}

// --- one meeting: the attendance list and leave decisions ---------------------------------------

function personRow(meeting, person) {
  const li = el('li', 'mt-li mt-person');
  const top = el('div', 'mt-person-top');
  top.append(el('span', 'cell-bd', person.name));
  // A guest from outside the reader's scope comes without her branch (no registry data).
  const branch = person.branch ? person.branch.name : '';
  const where = person.role === 'guest' ? ['列席', branch].filter(Boolean).join(' · ') : branch;
  if (where) top.append(el('span', 'mt-kind', where));
  const state = person.present ? '已签到' : person.leave_label || '';
  if (state) top.append(el('span', 'mt-state', state));
  li.append(top);
  if (person.leave_reason) li.append(el('p', 'mt-person-reason', `请假理由：${person.leave_reason}`));
  if (person.leave_note) li.append(el('p', 'mt-person-reason', `说明：${person.leave_note}`));
  if (person.leave === 'requested' && meeting.may_manage && meeting.state !== 'locked') {
    const row = el('div', 'btn-row');
    const yes = el('button', 'btn btn-mini', '批准');
    yes.type = 'button';
    const no = el('button', 'btn btn-mini btn-default', '驳回');
    no.type = 'button';
    yes.setAttribute('aria-label', `批准 ${person.name} 的请假`);
    no.setAttribute('aria-label', `驳回 ${person.name} 的请假`);
    yes.addEventListener('click', () => decide(meeting, person, 'approve', [yes, no]));
    no.addEventListener('click', () => decide(meeting, person, 'refuse', [yes, no]));
    row.append(yes, no);
    li.append(row);
  }
  return li;
}

async function decide(meeting, person, decision, buttons) {
  const body = { decision };
  if (decision === 'refuse') {
    const { promptDialog } = await import('./dialog.js');
    const note = await promptDialog({
      title: `驳回 ${person.name} 的请假`,
      label: '驳回理由',
      placeholder: '请写明理由，将通知本人',
      required: true,
      missing: '请写明驳回理由',
      maxLength: 200,
      ok: '驳回',
      danger: true,
    });
    if (note === null) return;
    body.note = note;
  }
  for (const b of buttons) b.disabled = true;
  hideError($('desk-error'));
  try {
    await api(`/api/meetings/${encodeURIComponent(meeting.id)}/leave/${encodeURIComponent(person.member_no)}`, {
      method: 'POST',
      body,
    });
    import('./toast.js').then((m) => m.toast(decision === 'approve' ? '已批准' : '已驳回')).catch(() => {});
  } catch (error) {
    showError($('desk-error'), error.message);
  }
  await showMeeting(meeting.unit.id, meeting.id);
}

// 取消会议: the reason asked in a dialog; the server tells every invited member once.
let shown = null;

async function cancelMeeting() {
  const meeting = shown;
  if (!meeting || !meeting.may_cancel) return;
  const { promptDialog } = await import('./dialog.js');
  const reason = await promptDialog({
    title: '取消本次会议？',
    text: `「${meeting.topic}」将通知全部 ${meeting.invited + meeting.guests} 位参会人员会议已取消，取消后不能恢复。`,
    label: '取消原因',
    placeholder: '请写明原因，将通知全部参会人员',
    required: true,
    missing: '请写明取消原因',
    maxLength: 200,
    ok: '取消会议',
    cancel: '不取消',
    danger: true,
  });
  if (reason === null) return;
  const button = $('desk-m-cancel');
  button.disabled = true;
  hideError($('desk-error'));
  try {
    await api(`/api/meetings/${encodeURIComponent(meeting.id)}/cancel`, { method: 'POST', body: { reason } });
    import('./toast.js').then((m) => m.toast('会议已取消，已通知参会人员')).catch(() => {});
  } catch (error) {
    showError($('desk-error'), error.message);
  }
  button.disabled = false;
  await showMeeting(meeting.unit.id, meeting.id);
}

async function showMeeting(unit, id) {
  $('desk-meeting').hidden = false;
  const answer = await api(`/api/meetings/${encodeURIComponent(id)}/attendance`);
  const meeting = answer.meeting;
  const home = meeting.unit.id;
  $('desk-back').href = deskUrl(home);
  $('desk-m-kind').textContent = meeting.kind_label;
  $('desk-m-topic').textContent = meeting.topic;
  $('desk-m-when').textContent = `${meeting.when} · ${meeting.place || '线上会议'}`;
  $('desk-m-code').href = `/meeting-code.html?id=${encodeURIComponent(id)}`;
  $('desk-m-code').hidden = !meeting.may_manage || meeting.state === 'cancelled';
  shown = meeting;
  const cancelled = meeting.state === 'cancelled';
  $('desk-m-state').hidden = !cancelled;
  $('desk-m-state').textContent = cancelled ? `已取消${meeting.cancel_reason ? `：${meeting.cancel_reason}` : ''}` : '';
  $('desk-m-cancel-area').hidden = !meeting.may_cancel;
  $('desk-m-record').href = `/meeting-record.html?id=${encodeURIComponent(id)}`;
  $('desk-m-view').href = `/meetings.html?id=${encodeURIComponent(id)}`;
  const c = meeting.counts;
  $('desk-m-counts').textContent =
    `应到 ${c.attendees} 人，列席 ${c.guests} 人；待批请假 ${c.leave_requested} 人，已准假 ${c.leave_approved} 人，已签到 ${c.present} 人`;
  const list = $('desk-m-rows');
  list.textContent = '';
  list.append(...answer.rows.map((p) => personRow(meeting, p)));
  list.setAttribute('aria-busy', 'false');
  if (unit !== home) history.replaceState(null, '', deskUrl(home, id));
}

async function firstManagedUnit() {
  const me = await api('/api/me');
  const role = (me.roles || []).find((r) => MANAGE_ROLES.has(r.role) && r.unit);
  return role ? role.unit.id : null;
}

async function main() {
  $('desk-m-cancel').addEventListener('click', () => cancelMeeting().catch((e) => showError($('desk-error'), e.message)));
  const id = params.get('id');
  let unit = params.get('unit');
  try {
    if (id) {
      if (!MEETING_ID.test(id)) throw new Error('会议不存在或您无权查看');
      await showMeeting(unit, id);
      return;
    }
    if (!unit || !UNIT_ID.test(unit)) {
      unit = await firstManagedUnit();
      if (!unit) throw new Error('您没有可以管理会议的组织');
      history.replaceState(null, '', deskUrl(unit));
    }
    await showUnit(unit);
  } catch (error) {
    showError($('desk-error'), error.message);
  }
}

main();
