// 消息 centre (/messages.html): her messages newest first, 20 at a time; an unread one says 未读 in
// words (and its title is bold), tapping it marks it read and opens its page; 全部已读; and
// 消息设置, where she mutes the kinds she may (a switch each; the others say 不可关闭 and why).
// The tab bar's badge follows every answer (badge.js). Signed out, the page keeps its 请先登录.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { showUnread } from './badge.js';
import { el, when } from './dom.js';
import { hideError, showError, sitePath } from './form.js';

const $ = (id) => document.getElementById(id);
const READ_ALL_ROUNDS = 20; // 100 a call: 2,000 messages at most, then she taps again
const OPEN_WAIT_MS = 1500; // a tap waits this long at most for the mark before opening the page

let cursor = null;
let unread = 0;
let more = false;

function summary() {
  const text = unread > 0 ? `${unread}${more ? '+' : ''} 条未读` : '全部已读';
  $('msg-summary').textContent = text;
  $('msg-read-all').disabled = unread === 0;
}

function count(answer) {
  unread = answer.unread;
  more = Boolean(answer.more);
  summary();
  showUnread(answer);
}

// A site path only (the outbox accepts nothing else); anything else is not a link.
function setRead(item) {
  item.classList.remove('is-unread');
  const state = item.querySelector('.msg-state');
  if (state) state.remove();
}

function row(message) {
  const url = sitePath(message.url);
  const item = el(url ? 'a' : 'button', `msg-item${message.read ? '' : ' is-unread'}`);
  if (url) item.href = url;
  else item.type = 'button';
  item.dataset.id = message.id;
  const top = el('span', 'msg-top');
  top.append(el('span', 'msg-kind', message.label));
  if (!message.read) top.append(el('span', 'msg-state', '未读'));
  // eslint-disable-next-line es-x/no-array-prototype-at, es-x/no-string-prototype-at -- message.at is a field (the time)
  const sent = message.at;
  const time = el('time', 'msg-time', when(sent));
  time.dateTime = sent;
  top.append(time);
  item.append(top, el('span', 'msg-item-title', message.title));
  if (message.body) item.append(el('span', 'msg-body', message.body));
  item.addEventListener('click', (event) => open(event, item, url));
  const li = el('li', 'msg-li');
  li.append(item);
  return li;
}

async function markRead(item) {
  const answer = await api(`/api/me/messages/${encodeURIComponent(item.dataset.id)}/read`, { method: 'POST' });
  setRead(item);
  count(answer);
}

// Tapping an unread message marks it read, then opens its page (the mark is waited for, briefly,
// so the next page's badge already counts it).
function open(event, item, url) {
  if (!item.classList.contains('is-unread')) return; // a read one is a plain link
  event.preventDefault();
  const marking = markRead(item).catch((error) => {
    if (!url) showError($('msg-error'), `标记已读失败：${error.message}`);
  });
  if (!url) return;
  const timeout = new Promise((resolve) => setTimeout(resolve, OPEN_WAIT_MS));
  Promise.race([marking, timeout]).then(() => location.assign(url));
}

async function loadPage() {
  const button = $('msg-more');
  button.disabled = true;
  const page = await api(`/api/me/messages${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  const list = $('msg-list');
  list.append(...page.items.map(row));
  list.setAttribute('aria-busy', 'false');
  if (typeof page.unread === 'number') count(page);
  $('msg-empty').hidden = list.children.length > 0;
  cursor = page.next;
  button.hidden = !cursor;
  button.disabled = false;
}

async function readAll() {
  const button = $('msg-read-all');
  button.disabled = true;
  hideError($('msg-error'));
  try {
    for (let round = 0; round < READ_ALL_ROUNDS; round++) {
      const answer = await api('/api/me/messages/read-all', { method: 'POST' });
      count(answer);
      if (!answer.unread || !answer.marked) break;
    }
    if (!unread) for (const item of document.querySelectorAll('.msg-item.is-unread')) setRead(item);
  } catch (error) {
    showError($('msg-error'), `全部已读失败：${error.message}`);
  }
  summary();
}

// 消息设置: a switch on means the kind is pushed; off, muted (it still arrives here).
function switches() {
  return [...document.querySelectorAll('#msg-settings input[data-kind]')];
}

function applySettings(settings) {
  const muted = new Set(settings.kinds.filter((k) => k.muted).map((k) => k.kind));
  for (const box of switches()) {
    box.checked = !muted.has(box.dataset.kind);
    box.disabled = false;
  }
}

async function saveSettings(changed) {
  const boxes = switches();
  const muted = boxes.filter((b) => !b.checked).map((b) => b.dataset.kind);
  hideError($('msg-settings-error'));
  for (const box of boxes) box.disabled = true;
  try {
    applySettings(await api('/api/me/message-settings', { method: 'PUT', body: { muted } }));
    import('./toast.js').then((m) => m.toast('已保存')).catch(() => {});
  } catch (error) {
    changed.checked = !changed.checked; // as it was: nothing was saved
    for (const box of boxes) box.disabled = false;
    showError($('msg-settings-error'), `保存失败：${error.message}`);
  }
}

async function loadSettings() {
  try {
    applySettings(await api('/api/me/message-settings'));
  } catch (error) {
    if (error.status !== 401) showError($('msg-settings-error'), `消息设置暂时无法显示：${error.message}`);
    return;
  }
  for (const box of switches()) box.addEventListener('change', () => saveSettings(box));
}

// The two panels: 消息 and 消息设置 (#settings in the address, so a reload keeps it).
function showPanel(settings, remember = true) {
  for (const [tab, panel, on] of [
    [$('msg-tab-list'), $('msg-panel-list'), !settings],
    [$('msg-tab-settings'), $('msg-panel-settings'), settings],
  ]) {
    tab.classList.toggle('is-active', on);
    tab.setAttribute('aria-selected', String(on));
    panel.hidden = !on;
  }
  if (remember) history.replaceState(null, '', settings ? '#settings' : location.pathname + location.search);
}

function signedOut() {
  $('msg-centre').hidden = true;
  $('msg-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('msg-login').hidden = true;
  showPanel(location.hash === '#settings', false);
  $('msg-centre').hidden = false;
  $('msg-tab-list').addEventListener('click', () => showPanel(false));
  $('msg-tab-settings').addEventListener('click', () => showPanel(true));
  addEventListener('hashchange', () => showPanel(location.hash === '#settings', false));
  // A new visit has the refresh cookie but no access token yet: refresh first.
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  $('msg-more').addEventListener('click', () =>
    loadPage().catch((error) => {
      $('msg-more').disabled = false;
      showError($('msg-error'), error.message);
    }),
  );
  $('msg-read-all').addEventListener('click', readAll);
  loadSettings();
  try {
    await loadPage();
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('msg-error'), `消息暂时无法显示：${error.message}`);
  }
}

main();
