// 我的会议 (/meetings.html): her upcoming and past meetings, 20 at a time; with ?id= one meeting:
// kind, topic, time, place or the online link, who sent it, her status, the 请假 form, and the
// ways on (签到, 会议记录, and for staff 会议管理). Signed out, the page keeps its 请先登录.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MEETING_ID = /^mt_[A-Za-z0-9_-]{8,40}$/;

let when = 'upcoming';
let cursor = null;

// Her status in words (not colour only).
function status(meeting) {
  const mine = meeting.mine;
  if (meeting.state === 'cancelled') return '会议已取消';
  if (mine && mine.present) return '已签到';
  if (mine && mine.leave_label) return mine.leave_label;
  if (meeting.state === 'locked') return '会议已结束';
  if (mine && mine.role === 'guest') return '列席';
  return '';
}

function row(meeting) {
  const link = el('a', 'mt-item');
  link.href = `/meetings.html?id=${encodeURIComponent(meeting.id)}`;
  const top = el('span', 'mt-item-top');
  top.append(el('span', 'mt-kind', meeting.kind_label));
  const state = status(meeting);
  if (state) top.append(el('span', 'mt-state', state));
  link.append(top, el('span', 'mt-item-title', meeting.topic));
  link.append(el('span', 'mt-item-meta', `${meeting.when} · ${meeting.place || '线上会议'}`));
  const li = el('li', 'mt-li');
  li.append(link);
  return li;
}

async function loadPage() {
  const button = $('mt-more');
  button.disabled = true;
  const query = `when=${when}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const page = await api(`/api/me/meetings?${query}`);
  const list = $('mt-list');
  list.append(...page.items.map(row));
  list.setAttribute('aria-busy', 'false');
  cursor = page.next;
  // A page may come back empty with more behind it (meetings that ended meanwhile): read on.
  if (!page.items.length && cursor) return loadPage();
  $('mt-empty').hidden = list.children.length > 0;
  button.hidden = !cursor;
  button.disabled = false;
  return undefined;
}

function showTab(next) {
  when = next;
  cursor = null;
  for (const [tab, on] of [
    [$('mt-tab-upcoming'), next === 'upcoming'],
    [$('mt-tab-past'), next === 'past'],
  ]) {
    tab.classList.toggle('is-active', on);
    tab.setAttribute('aria-selected', String(on));
  }
  $('mt-list').textContent = '';
  $('mt-list').setAttribute('aria-busy', 'true');
  $('mt-empty').hidden = true;
  hideError($('mt-error'));
  loadPage().catch((error) => showError($('mt-error'), `会议暂时无法显示：${error.message}`));
}

function showDetail(meeting) {
  $('mt-d-kind').textContent = meeting.kind_label;
  $('mt-d-topic').textContent = meeting.topic;
  $('mt-d-status').textContent =
    meeting.state === 'cancelled' && meeting.cancel_reason
      ? `会议已取消（${meeting.cancel_reason}）`
      : status(meeting);
  $('mt-d-when').textContent = meeting.when;
  $('mt-d-place').textContent = meeting.place || '线上会议';
  if (meeting.online_url && meeting.online_url.startsWith('https://')) {
    $('mt-d-online').href = meeting.online_url;
    $('mt-d-online-cell').hidden = false;
  }
  $('mt-d-unit').textContent = meeting.unit.name;
  $('mt-d-organiser').textContent = meeting.organiser.name || meeting.organiser.member_no;
  if (meeting.host) {
    $('mt-d-host').textContent = meeting.host.name;
    $('mt-d-host-cell').hidden = false;
  }
  if (meeting.agenda) {
    $('mt-d-agenda').textContent = meeting.agenda;
    $('mt-d-agenda').hidden = false;
  }
  const id = encodeURIComponent(meeting.id);
  $('mt-d-record').href = `/meeting-record.html?id=${id}`;
  const mine = meeting.mine;
  if (mine && meeting.state === 'scheduled' && meeting.phase !== 'ended' && !mine.present) {
    $('mt-d-checkin').href = `/checkin.html?m=${id}`;
    $('mt-d-checkin').hidden = false;
  }
  if (meeting.may_manage) {
    $('mt-d-manage').href = `/meeting-desk.html?unit=${encodeURIComponent(meeting.unit.id)}&id=${id}`;
    $('mt-d-manage').hidden = false;
  }
  leaveForm(meeting);
}

// 请假: while the meeting has not started and nothing was decided; a pending request may be
// sent again with a new reason.
function leaveForm(meeting) {
  const mine = meeting.mine;
  const form = $('mt-leave');
  const open =
    mine && meeting.state === 'scheduled' && meeting.phase === 'upcoming' && !mine.present &&
    (!mine.leave || mine.leave === 'requested');
  form.hidden = !open;
  if (!open) return;
  const button = $('mt-leave-submit');
  if (mine.leave === 'requested') {
    $('mt-reason').value = mine.leave_reason || '';
    $('mt-leave-title').textContent = '请假（待审批，可修改理由）';
    button.textContent = '修改请假理由';
  }
  button.disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = $('mt-reason').value.trim();
    hideError($('mt-leave-error'));
    if (reason.length < 2) {
      showError($('mt-leave-error'), '请写明请假理由（至少 2 个字）');
      return;
    }
    button.disabled = true;
    try {
      const answer = await api(`/api/meetings/${encodeURIComponent(meeting.id)}/leave`, {
        method: 'POST',
        body: { reason },
      });
      meeting.mine = answer.mine;
      $('mt-d-status').textContent =
    meeting.state === 'cancelled' && meeting.cancel_reason
      ? `会议已取消（${meeting.cancel_reason}）`
      : status(meeting);
      $('mt-leave-title').textContent = '请假（待审批，可修改理由）';
      button.textContent = '修改请假理由';
      import('./toast.js').then((m) => m.toast('已提交请假')).catch(() => {});
    } catch (error) {
      showError($('mt-leave-error'), error.message);
    }
    button.disabled = false;
  });
}

function signedOut() {
  $('mt-list-view').hidden = true;
  $('mt-detail').hidden = true;
  $('mt-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('mt-login').hidden = true;
  const id = params.get('id');
  if (id) $('mt-detail').hidden = false;
  else $('mt-list-view').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  if (id) {
    try {
      if (!MEETING_ID.test(id)) throw new Error('会议不存在或您无权查看');
      showDetail(await api(`/api/meetings/${encodeURIComponent(id)}`));
    } catch (error) {
      if (error.status === 401) signedOut();
      else {
        $('mt-d-topic').textContent = '无法显示此会议';
        showError($('mt-d-error'), error.message);
      }
    }
    return;
  }
  $('mt-tab-upcoming').addEventListener('click', () => showTab('upcoming'));
  $('mt-tab-past').addEventListener('click', () => showTab('past'));
  $('mt-more').addEventListener('click', () =>
    loadPage().catch((error) => {
      $('mt-more').disabled = false;
      showError($('mt-error'), error.message);
    }),
  );
  try {
    await loadPage();
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('mt-error'), `会议暂时无法显示：${error.message}`);
  }
}

main();
