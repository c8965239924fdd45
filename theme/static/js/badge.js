// The unread badge of the 消息 centre: on the tab bar's 我的 (every page, base.html) and on 我的's
// 消息 row. Every element with `data-unread-badge` shows the count, read out by screen readers
// as "3 条未读消息" (the number is text, not a coloured dot). It never moves anything: the tab
// bar's badge sits over the icon's corner, 我的's after the row's label.
//
// Cost: at most one small request (GET /api/me/messages/unread, 1.5 read units with the token
// check) per FRESH_MS in a tab; the count is kept in sessionStorage meanwhile. Pages that learn
// the count anyway (the home page from /api/me/today, the 消息 page from its list and every
// mark) mark themselves with `data-unread-source` and hand it over through showUnread().
// An anonymous visit sends nothing: without a login mark this module loads nothing more.

const KEY = 'unread_badge';
const FRESH_MS = 60 * 1000;

// The same marks api.js keeps (read here directly, so an anonymous page loads no more code).
function signedIn() {
  try {
    return Boolean(sessionStorage.getItem('access_token')) || localStorage.getItem('signed_in') === '1';
  } catch {
    return false;
  }
}

// Whose count it is: the access token's subject, so another member's count is never shown.
function subject() {
  try {
    const token = sessionStorage.getItem('access_token');
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).sub || null;
  } catch {
    return null;
  }
}

function kept() {
  try {
    const entry = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (entry && Date.now() - entry.kept < FRESH_MS && entry.sub === subject()) return entry;
  } catch {
    // nothing kept
  }
  return null;
}

function render(unread, more) {
  const text = unread > 0 ? `${unread > 99 ? 99 : unread}${more ? '+' : ''}` : '';
  for (const node of document.querySelectorAll('[data-unread-badge]')) {
    if (!text) {
      node.hidden = true;
      node.replaceChildren();
      continue;
    }
    const shown = document.createElement('span');
    shown.setAttribute('aria-hidden', 'true');
    shown.textContent = text;
    const said = document.createElement('span');
    said.className = 'sr-only';
    said.textContent = `，${text} 条未读消息`;
    node.replaceChildren(shown, said);
    node.hidden = false;
  }
}

/**
 * Shows the count the API answered (`{unread, more}`) and keeps it for this tab.
 * @param {{unread: number, more?: boolean} | null | undefined} count
 */
export function showUnread(count) {
  if (!count || typeof count.unread !== 'number') return;
  const more = Boolean(count.more);
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ unread: count.unread, more, kept: Date.now(), sub: subject() }));
  } catch {
    // storage blocked: shown on this page only
  }
  render(count.unread, more);
}

async function main() {
  if (!signedIn()) return;
  const entry = kept();
  if (entry) render(entry.unread, entry.more);
  if (entry || document.querySelector('[data-unread-source]')) return;
  try {
    const { api, getToken, refresh } = await import('./api.js');
    // A new tab has the refresh cookie but no access token yet: renew it first (api.js does
    // one refresh at a time, whichever script asks).
    if (!getToken() && !(await refresh())) return;
    showUnread(await api('/api/me/messages/unread'));
  } catch {
    // the badge is a courtesy: the page works without it
  }
}

main();
