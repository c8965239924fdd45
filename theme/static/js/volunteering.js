// 志愿服务 (/volunteering.html[?a=<activity>[&c=<code>]]): her total hours and 奉献分; the open
// activities of her branch and the units above it (each with what she may do); the activity she
// opened, with 报名参加 / 取消报名 and, on the day, the check-in field for the code the organiser's
// screen shows (a scanned QR code carries it: she is checked in at once, after the login it
// leads through); the activities she took part in, with their hours.
import { api, getToken, isSignedIn, loginUrl, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const ACTIVITY_ID = /^va_[A-Za-z0-9_-]{8,64}$/;
const params = new URLSearchParams(location.search);
let activityId = params.get('a') || '';

// The server's times are Beijing time ("2026-12-02T09:00+08:00"): read as written, whatever
// time zone the phone is set to.
function when(iso) {
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${Number(m[1])}月${Number(m[2])}日 ${m[3]}:${m[4]}` : '';
}

function span(a) {
  return `${when(a.starts_at)}–${a.ends_at.slice(11, 16)}`;
}

function digitsOf(text) {
  return text
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\D/g, '')
    .slice(0, 6);
}

// Her state on an activity, in words.
function stateText(a) {
  const mine = a.mine;
  if (mine && mine.confirmed) return `已确认工时 ${mine.hours} 小时，奉献分 ${mine.points} 分`;
  if (mine && mine.checked_in) return `已签到（${when(mine.checked_in_at)}）`;
  if (mine) return a.can_check_in ? '已报名，请在现场签到' : `已报名，签到于 ${when(a.checkin_opens_at)} 开始`;
  if (a.why_not) return a.why_not;
  if (a.can_sign_up) return `可报名，剩余名额 ${a.left} 个`;
  if (a.left <= 0) return '名额已满';
  return '报名已截止';
}

function item(a) {
  const li = el('li', `vol-item${a.mine ? ' is-mine' : ''}`);
  const link = el('a', 'vol-link');
  link.href = `/volunteering.html?a=${encodeURIComponent(a.id)}`;
  link.append(el('span', 'vol-topic', a.topic));
  link.append(el('span', 'vol-meta', `${span(a)}｜${a.place}`));
  link.append(el('span', 'vol-state', stateText(a)));
  li.append(link);
  return li;
}

function fill(listId, emptyId, items) {
  const list = $(listId);
  list.replaceChildren(...items.map(item));
  list.setAttribute('aria-busy', 'false');
  $(emptyId).hidden = items.length > 0;
}

async function loadList() {
  const mine = await api('/api/volunteer-activities');
  $('vol-total').textContent = `累计服务 ${mine.total_hours} 小时｜奉献分 ${mine.total_points} 分｜${mine.activities} 次活动`;
  fill('vol-open', 'vol-open-empty', mine.open);
  fill('vol-past', 'vol-past-empty', mine.past);
}

function fact(list, name, value) {
  list.append(el('dt', '', name), el('dd', '', value));
}

function showDetail(a) {
  $('vol-detail').hidden = false;
  $('vol-d-topic').textContent = a.topic;
  const facts = $('vol-d-facts');
  facts.replaceChildren();
  fact(facts, '时间', span(a));
  fact(facts, '地点', a.place);
  fact(facts, '组织', a.unit_name);
  fact(facts, '名额', `${a.places} 人（已报名 ${a.taken} 人）${a.full_only ? '，仅限正式党员' : ''}`);
  fact(facts, '报名截止', when(a.deadline_at));
  fact(facts, '服务时长', `${a.hours} 小时（奉献分 ${a.hours * 2} 分）`);
  $('vol-d-desc').hidden = !a.description;
  $('vol-d-desc').textContent = a.description || '';
  $('vol-d-state').textContent = stateText(a);
  $('vol-signup').hidden = !a.can_sign_up;
  $('vol-cancel').hidden = !a.can_cancel;
  $('vol-checkin').hidden = !a.can_check_in;
}

async function loadDetail() {
  showDetail(await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}`));
}

async function act(button, path, done) {
  hideError($('vol-error'));
  button.disabled = true;
  try {
    const a = await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/${path}`, { method: 'POST' });
    showDetail(a);
    import('./toast.js').then((t) => t.toast(done)).catch(() => {});
    await loadList();
  } catch (error) {
    showError($('vol-error'), error.message);
    if (error.status === 409) await loadDetail().catch(() => {});
  } finally {
    button.disabled = false;
  }
}

async function checkIn(code, fromLink) {
  const button = $('vol-checkin-submit');
  hideError($('vol-code-error'));
  button.disabled = true;
  button.textContent = '签到中…';
  try {
    const a = await api(`/api/volunteer-activities/${encodeURIComponent(activityId)}/checkin`, {
      method: 'POST',
      body: { code },
    });
    showDetail(a);
    $('vol-d-state').textContent = `签到成功（${when(a.mine.checked_in_at)}）`;
    await loadList();
  } catch (error) {
    if (error.status === 409 && error.message.indexOf('您已签到') === 0) {
      await loadDetail();
    } else if (error.status === 400 && fromLink) {
      $('vol-checkin').hidden = false;
      showError($('vol-code-error'), '二维码中的签到码已更新，请输入现场屏幕上最新的 6 位签到码');
    } else {
      showError(error.status === 400 || error.status === 429 ? $('vol-code-error') : $('vol-error'), error.message);
    }
  } finally {
    button.disabled = false;
    button.textContent = '签到';
  }
}

function wire() {
  $('vol-signup').addEventListener('click', () => act($('vol-signup'), 'signup', '报名成功'));
  $('vol-cancel').addEventListener('click', async () => {
    const { confirmDialog } = await import('./dialog.js');
    const ok = await confirmDialog({ title: '取消报名？', text: '取消后名额将让给其他同志。', ok: '取消报名', cancel: '再想想', danger: true });
    if (ok) act($('vol-cancel'), 'cancel', '已取消报名');
  });
  const input = $('vol-code');
  input.addEventListener('input', () => {
    const clean = digitsOf(input.value);
    if (clean !== input.value) input.value = clean;
  });
  $('vol-checkin').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = digitsOf(input.value);
    if (code.length !== 6) {
      showError($('vol-code-error'), '请输入 6 位数字签到码');
      input.focus();
      return;
    }
    checkIn(code, false);
  });
}

async function main() {
  const login = $('vol-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) {
    if (params.get('c')) location.replace(loginUrl()); // a scanned QR code: to the login and back
    return;
  }
  if (!getToken() && !(await refresh())) return;
  login.hidden = true;
  $('vol').hidden = false;
  wire();
  if (activityId && !ACTIVITY_ID.test(activityId)) {
    showError($('vol-error'), '链接不完整：活动编号不正确');
    activityId = '';
  }
  try {
    if (activityId) {
      const scanned = digitsOf(params.get('c') || '');
      if (scanned.length === 6) {
        // Used once: a reload or the back button must not send an old code again.
        history.replaceState(null, '', `${location.pathname}?a=${encodeURIComponent(activityId)}`);
        await loadDetail();
        await checkIn(scanned, true);
      } else {
        await loadDetail();
      }
    }
    await loadList();
  } catch (error) {
    showError($('vol-error'), error.message);
    $('vol-open').setAttribute('aria-busy', 'false');
  }
}

main();
