// Reading log: opens a page view with the server when the article loads (heartbeat 0, no
// seconds: the server counts reading time from then on), counts the time this article is
// visible, focused and in use, and reports it about every 15 s and once more when hidden. Each heartbeat carries
// (page-view id, sequence number), so the server can ignore replays; heartbeats that could not be
// sent wait in localStorage and are retried (on the next beat, when back online, on the next
// article opened). Nothing happens for a visitor who is not logged in.
import { getToken, refresh, tokenSubject } from './api.js';
import { creditDay, showSeriesProgress } from './series_progress.js';

const QUEUE_KEY = 'dj_reading_queue';
const QUEUE_MAX = 300;
const BEAT_MS = 15000;
const IDLE_MS = 120000; // no touch, scroll or key for 2 minutes: the reader has left

const article = document.querySelector('article[data-slug]');
const statusLine = document.getElementById('read-status');

function newViewId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function loadQueue() {
  try {
    const queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
    return Array.isArray(queue) ? queue : [];
  } catch {
    return [];
  }
}

function saveQueue(queue) {
  try {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue.slice(-QUEUE_MAX)));
  } catch {
    // storage full or blocked: the beat is still sent once
  }
}

const beatId = (beat) => `${beat.view_id}:${beat.seq}`;

function enqueue(beat) {
  const queue = loadQueue();
  queue.push(beat);
  saveQueue(queue);
}

function dequeue(beat) {
  const id = beatId(beat);
  saveQueue(loadQueue().filter((b) => beatId(b) !== id));
}

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

// 'done' (sent, or refused for good) or 'retry' (network, server busy, token to refresh).
async function send(queued, keepalive) {
  const token = getToken();
  if (!token) return 'retry';
  // On a shared phone, a beat queued while someone else was signed in is dropped, not credited
  // to whoever is signed in now.
  const { who, ...beat } = queued;
  if (who !== tokenSubject(token)) return 'done';
  let response;
  try {
    response = await fetch('/api/reading/heartbeat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(beat),
      credentials: 'same-origin',
      keepalive,
    });
  } catch {
    return 'retry';
  }
  if (response.ok) {
    try {
      showStatus({ ...(await response.json()), slug: beat.slug });
    } catch {
      // the answer is only for display
    }
    return 'done';
  }
  if (response.status === 401) {
    if (!keepalive) await refresh();
    return 'retry';
  }
  return response.status === 429 || response.status >= 500 ? 'retry' : 'done';
}

let flushing = false;
let flushAgain = false;

async function flush(keepalive = false) {
  if (keepalive) {
    // The page is going away: send everything at once; what fails stays queued.
    for (const beat of loadQueue()) {
      send(beat, true).then((outcome) => outcome === 'done' && dequeue(beat));
    }
    return;
  }
  if (flushing) {
    flushAgain = true; // beats queued while sending: the running flush takes them too
    return;
  }
  flushing = true;
  try {
    do {
      flushAgain = false;
      for (const beat of loadQueue()) {
        if ((await send(beat, false)) !== 'done') return; // offline or busy: keep the rest
        dequeue(beat);
      }
    } while (flushAgain);
  } finally {
    flushing = false;
  }
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
    return { view_id: viewId, seq: seq++, slug, seconds, who: tokenSubject() };
  }

  function beat(keepalive = false) {
    const next = take();
    if (next) enqueue(next);
    flush(keepalive);
  }

  // Open the view now: reading time is credited from the moment the server first hears of it.
  enqueue({ view_id: viewId, seq: seq++, slug, seconds: 0, who: tokenSubject() });

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
  addEventListener('online', () => flush());
  setInterval(() => beat(), BEAT_MS);
  settle();
}

if (getToken()) {
  if (article && article.dataset.slug) startTracker(); // queues this view's opening beat
  flush(); // that, and beats left over from earlier pages
  showSeriesProgress();
}
