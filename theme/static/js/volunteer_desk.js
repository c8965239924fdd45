// 志愿服务管理 (/volunteer-desk.html[?unit=<id>][&a=<activity>]): the unit's activities (its
// subtree's too) and, for staff who manage it, the form to publish one; an activity's sign-up
// list with each member's check-in and hours (改工时 before or after confirming: after, it is a
// correction with its own points line); on the day the rotating code, big, with its QR code,
// fetched again when the step turns (as the meeting's 签到码 page does); 确认工时 after the end.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const ACTIVITY_ID = /^va_[A-Za-z0-9_-]{8,64}$/;
const STATUS_MS = 8000;
const LATE_MS = 300;
const params = new URLSearchParams(location.search);
let unitId = params.get('unit') || '';
const activityId = params.get('a') || '';
let skewMs = 0;
let refreshAt = 0;
let codeTimer = null;
let statusTimer = null;
let open = false;

// The server's times are Beijing time ("2026-12-02T09:00+08:00"): read as written, whatever
// time zone the phone is set to.
function when(iso) {
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${Number(m[1])}月${Number(m[2])}日 ${m[3]}:${m[4]}` : '';
}

function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function serverNow() {
  return (Date.now() + skewMs) / 1000;
}

function tick() {
  if (open && refreshAt) $('vd-seconds').textContent = String(Math.max(0, Math.ceil(refreshAt - serverNow())));
}

function closed(message) {
  open = false;
  clearTimeout(codeTimer);
  codeTimer = null;
  $('vd-board').hidden = true;
  $('vd-closed').textContent = message;
  $('vd-closed').hidden = !message;
}

async function loadCode() {
  clearTimeout(codeTimer);
  codeTimer = null;
  let got;
  try {
    got = await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/checkin-code`);
  } catch (error) {
    if (error.status === 409 || error.status === 403) closed(error.message);
    else codeTimer = setTimeout(loadCode, 5000);
    return;
  }
  open = true;
  skewMs = got.now * 1000 - Date.now();
  refreshAt = got.refresh_at;
  $('vd-code').textContent = got.code;
  $('vd-code').setAttribute('aria-label', `签到码 ${got.code.split('').join(' ')}`);
  $('vd-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(got.qr_svg)}`;
  $('vd-closed').hidden = true;
  $('vd-board').hidden = false;
  tick();
  codeTimer = setTimeout(loadCode, Math.max(1000, (refreshAt - serverNow()) * 1000 + LATE_MS));
}

function activityItem(a) {
  const li = el('li', 'vol-item');
  const link = el('a', 'vol-link');
  link.href = `/volunteer-desk.html?unit=${encodeURIComponent(unitId)}&a=${encodeURIComponent(a.id)}`;
  link.append(el('span', 'vol-topic', a.topic));
  link.append(el('span', 'vol-meta', `${when(a.starts_at)}｜${a.place}｜${a.unit_name}`));
  link.append(el('span', 'vol-state', `${a.state_label}｜已报名 ${a.taken} / ${a.places} 人`));
  li.append(link);
  return li;
}

function rowItem(row, manage) {
  const li = el('li', `vol-item vd-row${row.checked_in ? ' is-mine' : ''}`);
  const who = el('div', 'vd-who');
  who.append(el('span', 'vol-topic', row.name));
  const state = row.checked_in ? `已签到 ${when(row.checked_in_at)}` : '未签到';
  const hours = row.confirmed ? `已确认 ${row.hours} 小时（${row.points} 分）` : `工时 ${row.hours} 小时`;
  who.append(el('span', 'vol-state', `${state}｜${hours}`));
  li.append(who);
  if (manage) {
    const button = el('button', 'btn btn-plain btn-mini', '改工时');
    button.type = 'button';
    button.setAttribute('aria-label', `修改${row.name}的工时`);
    button.addEventListener('click', () => setHours(row, button));
    li.append(button);
  }
  return li;
}

async function setHours(row, button) {
  const { promptDialog } = await import('./dialog.js');
  const value = await promptDialog({
    title: `${row.name}的服务时长`,
    text: row.confirmed ? '工时已确认，修改后奉献分随之更正（每小时 2 分）。' : '0 至 24 小时，以半小时为单位。',
    label: '小时',
    placeholder: '如 2 或 2.5',
    required: true,
    missing: '请填写小时数',
    maxLength: 4,
    line: true,
    inputMode: 'decimal',
  });
  if (value === null) return;
  button.disabled = true;
  try {
    await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/hours/${encodeURIComponent(row.member_no)}`, {
      method: 'POST',
      body: { hours: Number(value) },
    });
    import('./toast.js').then((t) => t.toast('已保存')).catch(() => {});
    await loadStatus();
  } catch (error) {
    showError($('vd-error'), error.message);
  } finally {
    button.disabled = false;
  }
}

async function loadStatus() {
  clearTimeout(statusTimer);
  const s = await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/signups`);
  const a = s.activity;
  $('vd-activity').hidden = false;
  $('vd-a-topic').textContent = a.topic;
  $('vd-a-meta').textContent = `${when(a.starts_at)}｜${a.place}｜${a.unit_name}｜默认 ${a.hours} 小时`;
  $('vd-a-state').textContent = `${a.state_label}｜已报名 ${s.signed_up} / ${a.places} 人｜已签到 ${s.checked_in} 人`;
  const rows = $('vd-rows');
  rows.replaceChildren(...s.rows.map((r) => rowItem(r, s.manage)));
  rows.setAttribute('aria-busy', 'false');
  const ended = serverNow() >= new Date(a.ends_at).getTime() / 1000;
  $('vd-confirm').hidden = !(s.manage && a.state === 'open' && ended);
  if (s.manage && s.open && !open && !codeTimer) loadCode();
  else if (!s.open) {
    const before = serverNow() < new Date(a.checkin_opens_at).getTime() / 1000;
    closed(a.state !== 'open' ? '工时已确认' : before ? `签到将于 ${when(a.checkin_opens_at)} 开始` : '签到已结束');
  }
  if (a.state === 'open' && !ended) statusTimer = setTimeout(() => loadStatus().catch(() => {}), STATUS_MS);
}

async function confirmHours() {
  const { confirmDialog } = await import('./dialog.js');
  const ok = await confirmDialog({ title: '确认工时？', text: '确认后按每小时 2 分发放奉献分；之后的修改将作为更正记录。', ok: '确认' });
  if (!ok) return;
  $('vd-confirm').disabled = true;
  try {
    const done = await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/confirm`, { method: 'POST' });
    import('./toast.js').then((t) => t.toast(`已确认 ${done.participants} 人，共 ${done.hours} 小时`)).catch(() => {});
    await loadStatus();
  } catch (error) {
    showError($('vd-error'), error.message);
  } finally {
    $('vd-confirm').disabled = false;
  }
}

async function loadList() {
  const view = await api(`/api/units/${encodeURIComponent(unitId)}/volunteer-activities`);
  $('vd-unit').textContent = view.unit.name;
  const list = $('vd-list');
  list.replaceChildren(...view.activities.map(activityItem));
  list.setAttribute('aria-busy', 'false');
  $('vd-list-empty').hidden = view.activities.length > 0;
  if (view.manage) setUpForm();
}

let formReady = false;

function setUpForm() {
  if (formReady) return;
  formReady = true;
  const form = $('vd-new');
  form.hidden = false;
  $('vd-submit').disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('vd-new-error'));
    const body = {
      unit_id: unitId,
      topic: $('vd-topic').value.trim(),
      place: $('vd-place').value.trim(),
      starts_at: $('vd-starts').value,
      ends_at: $('vd-ends').value,
      places: Number($('vd-places').value),
      full_only: $('vd-full').checked,
      request_key: key(),
    };
    if ($('vd-deadline').value) body.deadline_at = $('vd-deadline').value;
    if ($('vd-hours').value) body.hours = Number($('vd-hours').value);
    if ($('vd-desc').value.trim()) body.description = $('vd-desc').value.trim();
    if (!Number.isInteger(body.places)) {
      showError($('vd-new-error'), '请填写招募人数（1 至 500 的整数）');
      return;
    }
    $('vd-submit').disabled = true;
    try {
      await api('/api/volunteer-activities', { method: 'POST', body });
      form.reset();
      import('./toast.js').then((t) => t.toast('已发布')).catch(() => {});
      await loadList();
    } catch (error) {
      showError($('vd-new-error'), error.message);
    } finally {
      $('vd-submit').disabled = false;
    }
  });
}

async function main() {
  const login = $('vd-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  if (!getToken() && !(await refresh())) return;
  login.hidden = true;
  $('vd').hidden = false;
  $('vd-confirm').addEventListener('click', confirmHours);
  setInterval(tick, 1000);
  try {
    if (!unitId) {
      const me = await api('/api/me');
      if (!(me.roles || []).length) {
        showError($('vd-error'), '只有支部书记、委员和上级党组织的管理人员可以管理志愿服务');
        $('vd-list').setAttribute('aria-busy', 'false');
        return;
      }
      unitId = me.roles[0].unit.id;
    }
    if (activityId && ACTIVITY_ID.test(activityId)) await loadStatus();
    await loadList();
  } catch (error) {
    showError($('vd-error'), error.message);
    $('vd-list').setAttribute('aria-busy', 'false');
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && activityId && open) loadCode();
  });
}

main();
