// The heartbeat queue that reading.js (articles) and lesson.js (微党课) share: every beat is kept
// in localStorage until the server has answered it, so a flaky network in WeChat loses none;
// queued beats are retried on the next beat, when back online and on the next page opened. Each
// beat carries (view_id, seq), so the server ignores replays. A beat queued while someone else
// was signed in is dropped, never credited to whoever is signed in now.
import { getToken, refresh, tokenSubject } from './api.js';

const QUEUE_KEY = 'dj_reading_queue';
const QUEUE_MAX = 300;

export const BEAT_MS = 15000;

export function newViewId() {
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

// A beat of the signed-in member (`who` is kept with it, not sent).
export function enqueue(beat) {
  const queue = loadQueue();
  queue.push({ ...beat, who: tokenSubject() });
  saveQueue(queue);
}

function dequeue(beat) {
  const id = beatId(beat);
  saveQueue(loadQueue().filter((b) => beatId(b) !== id));
}

// Who hears the server's answers (the page's status line, toasts): fn(answer, beat).
const listeners = [];
export function onAnswer(fn) {
  listeners.push(fn);
}

// 'done' (sent, or refused for good) or 'retry' (network, server busy, token to refresh).
async function send(queued, keepalive) {
  const token = getToken();
  if (!token) return 'retry';
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
      const answer = { ...(await response.json()), slug: beat.slug };
      for (const fn of listeners) fn(answer, beat);
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
// Beats sent with keepalive and not answered yet: the hide event and pagehide both flush, and
// a beat already on its way is not sent again (the server would ignore it; the phone need not
// pay for it).
const inFlight = new Set();

// Send what is queued, in order; `keepalive` when the page is going away (all at once).
export async function flush(keepalive = false) {
  if (keepalive) {
    for (const beat of loadQueue()) {
      const id = beatId(beat);
      if (inFlight.has(id)) continue;
      inFlight.add(id);
      send(beat, true).then((outcome) => {
        inFlight.delete(id);
        if (outcome === 'done') dequeue(beat);
      });
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
        const id = beatId(beat);
        if (inFlight.has(id)) continue; // on its way already
        inFlight.add(id);
        const outcome = await send(beat, false);
        inFlight.delete(id);
        if (outcome !== 'done') return; // offline or busy: keep the rest
        dequeue(beat);
      }
    } while (flushAgain);
  } finally {
    flushing = false;
  }
}

addEventListener('online', () => {
  if (getToken()) flush();
});
