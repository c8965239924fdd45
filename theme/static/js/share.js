// Sharing inside WeChat / 企业微信: the page's Open Graph tags (theme/templates/_share.html)
// become the card a member forwards, through the JS-SDK configured with the server's signature
// (GET /api/share/config). Loaded only inside WeChat by the loader in _share.html. Any failure
// (sharing not set up: 404, WeCom unreachable: 503, the SDK not loading, wx.error) is silent:
// the page then shares as a plain link, as it always did.

const loader = document.getElementById('dj-share');

function meta(property) {
  const tag = document.querySelector(`meta[property="${property}"]`);
  return tag ? tag.getAttribute('content') || '' : '';
}

function shareData() {
  // The link on the page's own origin (the JS-SDK signs only its domains), at its canonical path.
  const canonical = new URL(meta('og:url') || location.pathname, location.href);
  return {
    title: meta('og:title') || document.title,
    desc: meta('og:description'),
    link: new URL(canonical.pathname + canonical.search, location.href).href,
    imgUrl: new URL(meta('og:image'), location.href).href,
  };
}

function loadSdk(src) {
  return new Promise((resolve, reject) => {
    if (window.wx) {
      resolve(window.wx);
      return;
    }
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => (window.wx ? resolve(window.wx) : reject(new Error('no wx')));
    script.onerror = () => reject(new Error('JS-SDK not loaded'));
    document.head.appendChild(script);
  });
}

// WeChat's current share calls and the older ones 企业微信 documents (转发, 微信, 朋友圈).
const JS_API_LIST = [
  'updateAppMessageShareData',
  'updateTimelineShareData',
  'onMenuShareAppMessage',
  'onMenuShareWechat',
  'onMenuShareTimeline',
];

function apply(wx, data) {
  const call = (name, args) => {
    if (typeof wx[name] === 'function') wx[name](args);
  };
  call('updateAppMessageShareData', data);
  call('updateTimelineShareData', { title: data.title, link: data.link, imgUrl: data.imgUrl });
  call('onMenuShareAppMessage', data);
  call('onMenuShareWechat', data);
  call('onMenuShareTimeline', { title: data.title, link: data.link, imgUrl: data.imgUrl });
}

// 企业微信 accepts the corp's signature; plain WeChat only an Official Account's (app=mp).
function signer() {
  return /wxwork/i.test(navigator.userAgent) ? 'wecom' : 'mp';
}

// A stage without this app answers 404 on every page: remembered for the tab (sessionStorage),
// so a reader of a site without a 公众号 asks once, not on every page view.
const OFF = 'dj-share-off';

function remembered(key) {
  try {
    return sessionStorage.getItem(OFF) === key;
  } catch {
    return false; // storage refused (private mode): ask, as before
  }
}

function remember(key) {
  try {
    sessionStorage.setItem(OFF, key);
  } catch {
    // nothing to keep it in: the next page asks again
  }
}

async function main() {
  const app = signer();
  if (remembered(app)) return;
  // The signed URL is the page's address as WeChat sees it, without its #fragment.
  const page = location.href.split('#')[0];
  const query = `url=${encodeURIComponent(page)}&app=${app}`;
  const reply = await fetch(`/api/share/config?${query}`, { credentials: 'omit' });
  // Read in any case: a body left unread keeps the request open in some webviews.
  const config = await reply.json();
  if (reply.status === 404) remember(app); // no such app on this stage
  if (!reply.ok) return; // 503: try again on the next page
  const wx = await loadSdk(loader.getAttribute('data-sdk'));
  wx.config({
    debug: false,
    appId: config.appId,
    timestamp: config.timestamp,
    nonceStr: config.nonceStr,
    signature: config.signature,
    jsApiList: JS_API_LIST,
  });
  wx.ready(() => apply(wx, shareData()));
  wx.error(() => {}); // a refused signature: WeChat's default card, nothing to tell the reader
}

if (loader) main().catch(() => {});
