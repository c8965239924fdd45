// Reading log: opens a page view with the server when the article loads (heartbeat 0, no
// seconds: the server counts reading time from then on), counts the time this article is
// visible, focused and in use, and reports it about every 15 s and once more when hidden. Each
// heartbeat carries (page-view id, sequence number), so the server can ignore replays; beats
// that could not be sent wait in the queue lesson pages share (beat_queue.js) and are retried.
// Nothing happens for a visitor who is not logged in.
import { getToken } from './api.js';
import { BEAT_MS, enqueue, flush, newViewId, onAnswer } from './beat_queue.js';
import { creditDay, showSeriesProgress } from './series_progress.js';

const IDLE_MS = 120000; // no touch, scroll or key for 2 minutes: the reader has left

// A lesson page (微党课) counts playing time itself (lesson.js): not reading.
const article = document.querySelector('article[data-slug]:not([data-lesson])');
const statusLine = document.getElementById('read-status');

// Whether this article was read when the page first heard from the server (null: not yet):
// the toast is for the moment it becomes read, not for opening an article read before.
let wasRead = null;

function showStatus(result) {
  if (!statusLine || !article || result.slug !== article.dataset.slug) return;
  statusLine.hidden = false;
  if (result.read) {
    const award = result.award ? `，积分 +${result.award.points}` : '';
    statusLine.textContent = `已计入学习${award}`;
    statusLine.classList.add('is-read');
    // The reader is at the article's end by now, far from this line: tell her where she is.
    if (result.award || wasRead === false) {
      // Fetched when needed: an anonymous reader's page never loads it.
      import('./toast.js').then((m) => m.awardToast('已计入学习', result.award)).catch(() => {});
      creditDay();
    }
  } else {
    statusLine.textContent = `已学习 ${result.credited} 秒`;
  }
  wasRead = Boolean(result.read);
}

function startTracker() {
  const slug = article.dataset.slug;
  const viewId = newViewId();
  let seq = 0;
  let engagedMs = 0;
  let since = null; // when the current engaged stretch started
  let lastInput = Date.now();

  const engaged = () =>
    document.visibilityState === 'visible' && document.hasFocus() && Date.now() - lastInput < IDLE_MS;

  // Close the running stretch (up to the idle limit), then open a new one if still engaged.
  function settle() {
    const now = Date.now();
    if (since !== null) {
      const end = Math.min(now, lastInput + IDLE_MS);
      if (end > since) engagedMs += end - since;
      since = null;
    }
    if (engaged()) since = now;
  }

  function take() {
    settle();
    const seconds = Math.floor(engagedMs / 1000);
    if (seconds < 1) return null;
    engagedMs -= seconds * 1000;
    return { view_id: viewId, seq: seq++, slug, seconds };
  }

  function beat(keepalive = false) {
    const next = take();
    if (next) enqueue(next);
    flush(keepalive);
  }

  // Open the view now: reading time is credited from the moment the server first hears of it.
  enqueue({ view_id: viewId, seq: seq++, slug, seconds: 0 });

  const input = () => {
    const wasIdle = Date.now() - lastInput >= IDLE_MS;
    lastInput = Date.now();
    if (wasIdle) settle();
  };
  for (const type of ['scroll', 'touchstart', 'pointerdown', 'keydown']) {
    addEventListener(type, input, { passive: true });
  }
  addEventListener('focus', settle);
  addEventListener('blur', settle);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beat(true);
    else settle();
  });
  addEventListener('pagehide', () => beat(true));
  setInterval(() => beat(), BEAT_MS);
  settle();
}

onAnswer(showStatus);

if (getToken()) {
  if (article && article.dataset.slug) startTracker(); // queues this view's opening beat
  flush(); // that, and beats left over from earlier pages
  showSeriesProgress();
}
