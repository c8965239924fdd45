// 签到码 (/meeting-code.html?id=<meeting>): what the organiser's phone shows the room. The current
// code, big, and its QR code, fetched again when the step turns (a code is accepted in its own
// step and the next, so the one on screen always works); a countdown to the next code, counted
// on the server's clock (the answer's `now`), so a phone whose clock is off still counts right.
// The count of those checked in and the list come from /checkin-status every few seconds;
// 更正 on a row asks for the reason (kept with who and when) and sets her attendance.
import { api, isSignedIn, loginUrl, requireLogin } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

requireLogin(); // staff only: a login that ended goes to login and back here

const $ = (id) => document.getElementById(id);
const MEETING_ID = /^mt_[A-Za-z0-9_-]{8,40}$/;
const STATUS_MS = 8000; // the count and the list, while the page is shown
const LATE_MS = 300; // fetch the next code just after its step starts on the server

const meetingId = new URLSearchParams(location.search).get('id') || '';
const base = `/api/meetings/${encodeURIComponent(meetingId)}`;

let skewMs = 0; // server clock minus this phone's
let refreshAt = 0; // epoch seconds of the next code
let codeTimer = null;
let statusTimer = null;
let open = false;

const pad = (n) => String(n).padStart(2, '0');

function when(iso) {
  const t = new Date(iso);
  return `${t.getMonth() + 1}月${t.getDate()}日 ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

function hhmm(iso) {
  const t = new Date(iso);
  return `${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

function serverNow() {
  return (Date.now() + skewMs) / 1000;
}

function tick() {
  if (!open || !refreshAt) return;
  $('mc-seconds').textContent = String(Math.max(0, Math.ceil(refreshAt - serverNow())));
}

function closed(message) {
  open = false;
  clearTimeout(codeTimer);
  codeTimer = null;
  $('mc-board').hidden = true;
  const notice = $('mc-closed');
  notice.textContent = message;
  notice.hidden = !message;
}

async function loadCode() {
  clearTimeout(codeTimer);
  codeTimer = null;
  let got;
  try {
    got = await api(`${base}/checkin-code`);
  } catch (error) {
    if (error.status === 409) closed(error.message);
    else {
      showError($('mc-error'), `签到码暂时无法显示：${error.message}`);
      codeTimer = setTimeout(loadCode, 5000);
    }
    return;
  }
  hideError($('mc-error'));
  open = true;
  skewMs = got.now * 1000 - Date.now();
  refreshAt = got.refresh_at;
  $('mc-code').textContent = got.code;
  $('mc-code').setAttribute('aria-label', `签到码 ${got.code.split('').join(' ')}`);
  $('mc-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(got.qr_svg)}`;
  $('mc-closed').hidden = true;
  $('mc-board').hidden = false;
  tick();
  const wait = Math.max(1000, (refreshAt - serverNow()) * 1000 + LATE_MS);
  codeTimer = setTimeout(loadCode, wait);
}

function stateText(row) {
  if (row.present) return row.checked_in_at ? `已签到 ${hhmm(row.checked_in_at)}` : '已签到（组织者登记）';
  if (row.leave === 'approved') return '已请假';
  if (row.leave === 'requested') return '未签到（请假待批）';
  return '未签到';
}

function rowItem(row) {
  const li = el('li', `mc-row${row.present ? ' is-present' : ''}`);
  const who = el('div', 'mc-who');
  who.append(el('span', 'mc-name', row.name));
  if (row.role === 'guest') who.append(el('span', 'mc-tag', '列席'));
  const state = el('span', 'mc-state', stateText(row));
  who.append(state);
  if (row.corrections.length) {
    const last = row.corrections[row.corrections.length - 1];
    who.append(el('span', 'mc-note', `已更正 ${row.corrections.length} 次：${last.reason}`));
  }
  const button = el('button', 'btn btn-plain btn-mini mc-fix', '更正');
  button.type = 'button';
  button.setAttribute('aria-label', `更正${row.name}的出勤`);
  button.addEventListener('click', () => correct(row, button));
  li.append(who, button);
  return li;
}

function render(status) {
  const m = status.meeting;
  $('mc-topic').textContent = m.topic;
  $('mc-meta').textContent = [m.unit_name, when(m.starts_at), m.place].filter(Boolean).join('｜');
  $('mc-count').textContent = `已签到 ${status.present} / ${status.invited} 人`;
  const list = $('mc-list');
  list.replaceChildren(...status.attendance.map(rowItem));
  list.setAttribute('aria-busy', 'false');
  for (const button of list.querySelectorAll('.mc-fix')) button.hidden = m.state === 'cancelled';
  if (m.state === 'cancelled') closed('本次会议已取消');
  else if (m.state === 'locked') closed('会议记录已提交，签到已结束；仍可更正出勤');
  else if (!status.open) {
    const before = serverNow() < new Date(status.opens_at).getTime() / 1000;
    closed(before ? `签到将于 ${when(status.opens_at)} 开始` : `签到已于 ${when(status.closes_at)} 结束`);
  } else if (!open && !codeTimer) loadCode();
}

// Whether check-ins can still come: scheduled and not past the window (the page opened
// before the window keeps asking, so the code appears by itself when it opens).
function live(status) {
  return status.meeting.state === 'scheduled' && serverNow() < new Date(status.closes_at).getTime() / 1000;
}

async function loadStatus() {
  clearTimeout(statusTimer);
  if (document.hidden) {
    statusTimer = setTimeout(loadStatus, STATUS_MS); // asked again when shown (visibilitychange)
    return;
  }
  try {
    const status = await api(`${base}/checkin-status`);
    render(status);
    if (!live(status)) return; // nothing more will change by itself (a 更正 reloads it)
  } catch (error) {
    if (error.status === 403 || error.status === 404) {
      closed('');
      showError($('mc-error'), error.message);
      $('mc-list').setAttribute('aria-busy', 'false');
      return; // nothing to poll for
    }
    showError($('mc-error'), `签到情况暂时无法显示：${error.message}`);
  }
  statusTimer = setTimeout(loadStatus, STATUS_MS);
}

async function correct(row, button) {
  const present = !row.present;
  const { promptDialog } = await import('./dialog.js');
  const reason = await promptDialog({
    title: present ? `将${row.name}更正为“出席”` : `将${row.name}更正为“未出席”`,
    text: `当前：${stateText(row)}。更正理由将被保存，写明谁、何时、为什么。`,
    label: '更正理由',
    placeholder: '请填写更正理由（2 至 200 字）',
    required: true,
    missing: '请填写更正理由',
    maxLength: 200,
    ok: '确认更正',
  });
  if (reason === null) return;
  button.disabled = true;
  try {
    await api(`${base}/attendance/${encodeURIComponent(row.member_no)}`, {
      method: 'POST',
      body: { present, reason },
    });
    import('./toast.js').then((t) => t.toast('已更正')).catch(() => {});
    await loadStatus();
  } catch (error) {
    button.disabled = false;
    showError($('mc-error'), `更正失败：${error.message}`);
  }
}

function main() {
  if (!MEETING_ID.test(meetingId)) {
    showError($('mc-error'), '链接不完整：缺少会议编号');
    return;
  }
  if (!isSignedIn()) {
    location.replace(loginUrl());
    return;
  }
  setInterval(tick, 1000);
  // Back on screen after the phone slept: the code and the count at once.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    loadStatus();
    if (open) loadCode();
  });
  loadStatus();
}

main();
