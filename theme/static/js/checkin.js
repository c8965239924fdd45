// 会议签到 (/checkin.html?m=<meeting>[&c=<code>]). Opened from the QR code in the room (WeChat's
// scanner), the code is in the address: she checks in at once, after the login if she has none
// (the login brings her back here, code and all). Without a code, or when the scanned one has
// expired meanwhile (a login can take longer than a code lives), she types the code on the
// screen: a big field with the numeric keypad. The outcome is said in words: 签到成功 with the
// time, 您已签到, not on the list, or what to do next.
import { api, isSignedIn, loginUrl } from './api.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const MEETING_ID = /^mt_[A-Za-z0-9_-]{8,40}$/;

const params = new URLSearchParams(location.search);
const meetingId = params.get('m') || '';

function hhmm(iso) {
  const t = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${t.getMonth() + 1}月${t.getDate()}日 ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

// The code she typed: full-width digits (a Chinese keyboard) become ASCII, anything else goes.
function digitsOf(text) {
  return text
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\D/g, '')
    .slice(0, 6);
}

function result(kind, title, text, meeting) {
  $('ci-form-area').hidden = true;
  const box = $('ci-result');
  box.className = `ci-result is-${kind}`;
  $('ci-result-icon').textContent = kind === 'ok' ? '✓' : '!';
  $('ci-result-title').textContent = title;
  $('ci-result-text').textContent = text;
  const line = $('ci-result-meeting');
  line.hidden = !meeting;
  if (meeting) line.textContent = `${meeting.unit_name}｜${meeting.topic}`;
  box.hidden = false;
  $('ci-result-title').focus();
}

function formAgain(message) {
  $('ci-result').hidden = true;
  $('ci-form-area').hidden = false;
  const input = $('ci-code');
  input.value = '';
  if (message) showError($('ci-error'), message);
  input.focus();
}

async function checkIn(code, fromLink) {
  const button = $('ci-submit');
  button.disabled = true;
  button.textContent = '签到中…';
  hideError($('ci-error'));
  try {
    const done = await api(`/api/meetings/${encodeURIComponent(meetingId)}/checkin`, {
      method: 'POST',
      body: { code },
    });
    result('ok', '签到成功', `签到时间：${hhmm(done.checked_in_at)}`, done.meeting);
  } catch (error) {
    if (error.status === 409 && error.message.indexOf('您已签到') === 0) {
      const inner = (error.message.match(/（(.+)）/) || [])[1] || '';
      result('ok', '您已签到', /\d/.test(inner) ? `签到时间：${inner}` : inner);
    } else if (error.status === 403) {
      result('warn', '无法签到', error.message);
    } else if (error.status === 404) {
      result('warn', '会议不存在', '请扫描会议现场的签到二维码。');
    } else if (error.status === 400 && fromLink) {
      // The scanned code has turned over (a login took a while): type the one on the screen.
      formAgain('二维码中的签到码已更新，请输入现场屏幕上最新的 6 位签到码');
    } else {
      formAgain(error.message);
    }
  } finally {
    button.disabled = false;
    button.textContent = '签到';
  }
}

function main() {
  if (!MEETING_ID.test(meetingId)) {
    $('ci-form').hidden = true;
    const notice = $('ci-notice');
    notice.textContent = '签到链接不完整，请扫描会议现场的签到二维码。';
    notice.hidden = false;
    return;
  }
  // No login in this browser: to the login page first, which brings her back here.
  if (!isSignedIn()) {
    location.replace(loginUrl());
    return;
  }
  const input = $('ci-code');
  const button = $('ci-submit');
  button.disabled = false;
  input.addEventListener('input', () => {
    const clean = digitsOf(input.value);
    if (clean !== input.value) input.value = clean;
  });
  $('ci-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    const code = digitsOf(input.value);
    if (code.length !== 6) {
      showError($('ci-error'), '请输入 6 位数字签到码');
      input.focus();
      return;
    }
    checkIn(code, false);
  });
  const scanned = digitsOf(params.get('c') || '');
  if (scanned.length === 6) {
    // Used once: a reload or the back button must not send an old code again.
    history.replaceState(null, '', `${location.pathname}?m=${encodeURIComponent(meetingId)}`);
    checkIn(scanned, true);
  }
}

main();
