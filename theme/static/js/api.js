// Fetch wrapper for the same-origin JSON API under /api/.
// The access token lives in sessionStorage; the refresh token is an HttpOnly cookie
// that the browser sends by itself to POST /api/auth/refresh.

const TOKEN_KEY = 'access_token';
// Set while this browser holds a login (its refresh cookie is HttpOnly, so the page cannot see
// it): without it there is nothing to refresh, and an anonymous reader sends no failing request.
const SIGNED_IN_KEY = 'signed_in';
// Endpoints that take no access token and must not trigger a refresh on 401.
const PUBLIC = new Set([
  '/api/auth/login',
  '/api/auth/activate',
  '/api/auth/refresh',
  '/api/auth/bind',
  '/api/auth/options',
]);

export class ApiError extends Error {
  constructor(status, message, code = '', retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage blocked: behave as logged out
  }
}

// Whose token this is (its `sub`), so work queued for one member is never sent as another's.
export function tokenSubject(token = getToken()) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).sub || null;
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  signedIn(true);
}

function signedIn(value) {
  try {
    if (value === undefined) return localStorage.getItem(SIGNED_IN_KEY) === '1';
    if (value) localStorage.setItem(SIGNED_IN_KEY, '1');
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    return value === undefined ? true : undefined; // storage blocked: try the cookie anyway
  }
  return value;
}

export function clearSession() {
  try {
    sessionStorage.clear();
  } catch {
    // nothing stored, nothing to clear
  }
  signedIn(false);
}

// Sent with every call: the refresh and logout endpoints, authenticated by a cookie, accept only
// requests that carry it, which a page of another origin cannot send.
const SAME_ORIGIN_HEADER = ['X-Requested-With', 'dangjian-h5'];
// A busy or unreachable database answers 503 with Retry-After: wait and send the same request
// again (every write the pages make carries its idempotency key), at most this many times.
const BUSY_RETRIES = 2;
const MAX_WAIT_MS = 8000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fallbackMessage(status) {
  if (status === 0) return '网络异常，请检查网络后重试';
  if (status === 429) return '操作太频繁，请稍后再试';
  if (status >= 500) return '服务暂时不可用，请稍后再试';
  return `请求失败（${status}）`;
}

async function send(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(method, path, body);
    } catch (error) {
      if (error.status !== 503 || attempt >= BUSY_RETRIES) throw error;
      const seconds = Number(error.retryAfter) || 2;
      await sleep(Math.min(MAX_WAIT_MS, seconds * 1000 * (attempt + 1)));
    }
  }
}

async function sendOnce(method, path, body) {
  const headers = { Accept: 'application/json', [SAME_ORIGIN_HEADER[0]]: SAME_ORIGIN_HEADER[1] };
  const token = PUBLIC.has(path) ? null : getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, fallbackMessage(0));
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null; // empty or not JSON (e.g. a proxy's error page)
    }
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      (data && data.Message) || fallbackMessage(response.status),
      (data && data.Code) || '',
      response.headers.get('Retry-After'),
    );
  }
  return data;
}

// One refresh at a time, however many requests got a 401 together.
let refreshing = null;

export function refresh() {
  if (!signedIn()) return Promise.resolve(false); // never signed in here: nothing to refresh
  if (!refreshing) {
    refreshing = send('POST', '/api/auth/refresh')
      // 409: another page of this browser refreshed a moment ago; its new cookie is ours too.
      .catch((error) => (error.status === 409 ? send('POST', '/api/auth/refresh') : Promise.reject(error)))
      .then((data) => {
        setToken(data.access_token);
        keepSignInAward(data.award);
        showSignInAward(); // the page stays: the first refresh of a new day shows its point here
        return true;
      })
      .catch((error) => {
        if (error.status === 401) signedIn(false); // the login ended (expired, logged out)
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

// Where the member is, for the login page to bring her back to.
export function here() {
  return location.pathname + location.search + location.hash;
}

export function loginUrl(next = here()) {
  return `/login.html?next=${encodeURIComponent(next)}`;
}

let loginPage = false;

// Called by pages that show nothing without a login (我的, 我的党建, 评论管理, …).
export function requireLogin() {
  loginPage = true;
}

// The caller's promise stays pending: the page is going away, nothing should flash first.
function toLogin(next) {
  location.replace(loginUrl(typeof next === 'string' ? next : here()));
  return new Promise(() => {});
}

// Calls the API; on 401 refreshes the access token once and retries. When the login has ended,
// the stale token is dropped and the call made once more as a reader, so what anyone may read
// still shows. A 401 then means the call needs a login: an action (not GET), a call with
// `login` (true, or the place to come back to: '/a.html#vote') or on a requireLogin() page goes
// to login and back; a GET on a page anyone may read just fails.
export async function api(path, { method = 'GET', body, login = method !== 'GET' } = {}) {
  // A new tab of a signed-in browser has no access token yet: renew it first, not after a
  // refused call (one request fewer, and no 401 in the console).
  if (!getToken() && signedIn() && !PUBLIC.has(path)) await refresh();
  const token = getToken();
  try {
    return await send(method, path, body);
  } catch (error) {
    if (error.status !== 401 || PUBLIC.has(path)) throw error;
    if (await refresh()) return send(method, path, body);
    // The refresh did not get through (offline, busy): the login may be alive.
    if (signedIn() && getToken()) throw error;
    let last = error;
    if (token) {
      // Sent with the ended login's token (which a parallel call may have dropped already).
      clearSession();
      try {
        return await send(method, path, body);
      } catch (again) {
        if (again.status !== 401) throw again;
        last = again;
      }
    }
    if (login || loginPage) return toLogin(login);
    throw last;
  }
}

// Log in or activate: stores the access token from the response. The page goes on to another,
// which shows what the sign-in credited (api.js runs on every page with a module).
export async function authenticate(path, body) {
  const data = await api(path, { method: 'POST', body });
  setToken(data.access_token);
  keepSignInAward(data.award);
  return data;
}

// After a sign-in that happened in a redirect (企业微信, 公众号: the server set the refresh
// cookie on its way back to the login page): mark this browser signed in and take the access
// token from the cookie, as a new tab does; the award goes to the next page, as after a login.
export async function adoptSignIn(award) {
  signedIn(true);
  const ok = await refresh();
  if (ok) keepSignInAward(award);
  return ok;
}

// The points a sign-in credited (the day's login point, the 入党纪念日), kept for this tab until
// a page shows them in a toast: after a login that is the next page.
const AWARD_KEY = 'sign_in_award';

function keepSignInAward(award) {
  if (!award || !(Number(award.points) > 0)) return;
  try {
    sessionStorage.setItem(AWARD_KEY, JSON.stringify(award));
  } catch (e) {
    // private mode: the toast is a courtesy, the points are credited anyway
  }
}

function showSignInAward() {
  let award = null;
  try {
    award = JSON.parse(sessionStorage.getItem(AWARD_KEY) || 'null');
    sessionStorage.removeItem(AWARD_KEY);
  } catch (e) {
    return;
  }
  if (!award) return;
  const what = (award.rules || []).includes('political_birthday') ? '今日登录和入党纪念日' : '今日登录';
  import('./toast.js').then((m) => m.awardToast(what, award)).catch(() => {});
}

showSignInAward();

// Whether this browser holds a login (the `signed_in` mark): a page that shows a member's own
// figures asks the API only then, so an anonymous reader sends no request at all.
export function isSignedIn() {
  return Boolean(getToken()) || signedIn();
}
