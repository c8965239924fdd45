import { adoptSignIn, api, authenticate } from './api.js';
import { handleSubmit, nextPath, showError, value } from './form.js';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

// A member sent here from a page (her login had ended) goes back there after logging in, and
// also after activating first.
const back = params.get('next');
const activate = $('activate-link');
if (back && activate && nextPath('') === back) {
  activate.href = `/activate.html?next=${encodeURIComponent(back)}`;
}

const form = $('login-form');
handleSubmit(form, $('login-submit'), $('form-error'), async () => {
  const memberNo = value('member_no');
  const password = $('password').value;
  if (!memberNo) throw new Error('请输入党员编号');
  if (!password) throw new Error('请输入密码');
  await authenticate('/api/auth/login', { member_no: memberNo, password });
  location.replace(nextPath());
});

// --- 企业微信 / 公众号 sign-in ------------------------------------------------------------------

const ua = navigator.userAgent;
const IN_WECOM = /wxwork/i.test(ua);
const IN_WECHAT = /MicroMessenger/i.test(ua) && !IN_WECOM;
// When the automatic start last ran in this tab: a member who comes back here within this time
// (the sign-in did not go through, or she pressed back) gets the button, not another redirect.
const AUTO_KEY = 'wecom_auto_started';
const AUTO_PAUSE_MS = 60 * 1000;

function startUrl(name) {
  return `/api/auth/${name}/start?next=${encodeURIComponent(nextPath())}`;
}

function status(message) {
  const area = $('signin-status');
  area.textContent = message;
  area.hidden = !message;
}

// The server signed her in on the way back (its redirect says `signed_in`): finish as after a
// password login, then go on.
async function finishRedirectSignIn() {
  status('正在登录…');
  const points = Number(params.get('award'));
  const award = points > 0 ? { points, rules: (params.get('rules') || '').split(',') } : null;
  if (await adoptSignIn(award)) {
    location.replace(nextPath());
    return;
  }
  status('');
  showError($('form-error'), '登录未完成，请重试或使用党员编号和密码登录');
  $('wecom-area').hidden = !IN_WECOM;
}

function autoStartedLately() {
  try {
    return Date.now() - Number(sessionStorage.getItem(AUTO_KEY) || 0) < AUTO_PAUSE_MS;
  } catch {
    return true; // storage blocked: never risk a redirect loop
  }
}

// Only the login page asks which sign-ins exist, and only inside WeChat / 企业微信.
async function offerOtherSignIns() {
  let options;
  try {
    options = await api('/api/auth/options');
  } catch {
    return; // the password form is there
  }
  if (IN_WECOM && options.wecom) {
    $('wecom-signin').href = startUrl('wecom');
    // Sent here by a page that needs a login: start at once (silent inside 企业微信). Not after
    // a sign-out (no `next`), not when the member chose the password (`manual`), not twice.
    if (back && !params.has('manual') && !autoStartedLately()) {
      try {
        sessionStorage.setItem(AUTO_KEY, String(Date.now()));
      } catch {
        // nothing: autoStartedLately() said storage works
      }
      status('正在通过企业微信登录…');
      location.replace(startUrl('wecom'));
      return;
    }
    $('wecom-area').hidden = false;
  }
  if (IN_WECHAT && options.mp) {
    $('mp-signin').href = startUrl('mp');
    $('mp-area').hidden = false;
  }
}

if (params.has('signed_in')) finishRedirectSignIn();
else if (IN_WECOM || IN_WECHAT) offerOtherSignIns();
