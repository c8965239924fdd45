// A stand-in for WeChat's JS-SDK (jweixin-1.x.js) in tests: the `phone` fixture serves it at the
// SDK's address (conftest.py), so no test loads anything from WeChat's CDN. It keeps what the
// page asks of it in window.__wxCalls ([name, argument] pairs) and, like WeChat after checking
// the signature, runs the ready callbacks once wx.config was called.
(function () {
  var calls = [];
  var waiting = [];
  var configured = false;
  function copy(value) {
    return value === undefined ? null : JSON.parse(JSON.stringify(value));
  }
  function record(name) {
    return function (arg) {
      calls.push([name, copy(arg)]);
    };
  }
  function flush() {
    var run = waiting;
    waiting = [];
    run.forEach(function (fn) {
      fn();
    });
  }
  window.__wxCalls = calls;
  window.wx = {
    config: function (options) {
      calls.push(['config', copy(options)]);
      configured = true;
      setTimeout(flush, 0);
    },
    ready: function (fn) {
      calls.push(['ready', null]);
      waiting.push(fn);
      if (configured) setTimeout(flush, 0);
    },
    error: record('error'),
    updateAppMessageShareData: record('updateAppMessageShareData'),
    updateTimelineShareData: record('updateTimelineShareData'),
    onMenuShareAppMessage: record('onMenuShareAppMessage'),
    onMenuShareWechat: record('onMenuShareWechat'),
    onMenuShareTimeline: record('onMenuShareTimeline'),
  };
})();
