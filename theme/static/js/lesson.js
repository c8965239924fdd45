// 微党课 player (theme/templates/lesson.html). The page reads without this module (poster,
// transcript, the player's own controls); it adds: resume where she left off (GET
// /api/lessons/{slug}/progress, a visible 从 mm:ss 继续 hint, the seek on first play), speed
// buttons (never above the page's data-max-rate, lesson_rules.MAX_RATE), a subtitles switch,
// chapter and transcript links that seek, a transcript that follows the playing cue, and the
// watch credit: heartbeats through the queue article pages use (beat_queue.js) about every 15 s
// and on pause, seek and hide, carrying the wall seconds counted as playing since the last beat
// (playing, rate > 0, page visible — or, for an audio lesson, not muted), the media ranges played
// and the position. Nothing plays by itself.
import { api, getToken } from './api.js';
import { BEAT_MS, enqueue, flush, newViewId, onAnswer } from './beat_queue.js';

const MAX_RANGES = 8; // the server takes at most 8 ranges a beat: beat early rather than drop
const CONTIGUOUS = 3; // media seconds between two timeupdates still one range (else a seek)
const SUBS_KEY = 'dj_lesson_subs';

const article = document.querySelector('article[data-lesson]');
const media = document.getElementById('lesson-media');

// 65 -> "01:05"; 3725 -> "1:02:05"
export function mmss(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

function setup() {
  const slug = article.dataset.slug;
  const duration = Number(article.dataset.duration) || 0;
  const maxRate = Number(article.dataset.maxRate) || 1;
  const audio = article.dataset.mediaKind === 'audio';
  const tools = document.getElementById('lesson-tools');
  const status = document.getElementById('lesson-status');
  const resume = document.getElementById('lesson-resume');
  const transcript = document.getElementById('lesson-transcript');
  const cues = transcript ? [...transcript.querySelectorAll('li[data-start]')] : [];
  const track = media.textTracks && media.textTracks[0];
  let resumeAt = null; // where the first play starts (her last position), until she plays
  let played = false;

  tools.hidden = false;

  // ---- seeking: the first play goes to her last position; links go where they say ----
  function seekTo(seconds) {
    resumeAt = null;
    resume.hidden = true;
    if (media.readyState >= 1) media.currentTime = seconds;
    else media.addEventListener('loadedmetadata', () => (media.currentTime = seconds), { once: true });
  }

  media.addEventListener('play', () => {
    if (!played && resumeAt !== null) seekTo(resumeAt);
    played = true;
    resume.hidden = true;
    if (track && subsOn && track.mode !== 'showing') track.mode = 'showing';
  });

  document.getElementById('lesson-restart').addEventListener('click', () => {
    resumeAt = null;
    resume.hidden = true;
    if (played) seekTo(0);
  });

  article.addEventListener('click', (event) => {
    const link = event.target.closest('[data-seek]');
    if (!link) return;
    event.preventDefault();
    played = true;
    seekTo(Number(link.dataset.seek) || 0);
    media.play().catch(() => {}); // refused (no gesture, no media): the controls remain
    media.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  });

  // ---- speed ----
  const rateButtons = [...tools.querySelectorAll('[data-rate]')];
  for (const button of rateButtons) {
    button.addEventListener('click', () => {
      const rate = Math.min(Number(button.dataset.rate), maxRate);
      media.defaultPlaybackRate = rate;
      media.playbackRate = rate;
    });
  }
  media.addEventListener('ratechange', () => {
    if (media.playbackRate > maxRate) media.playbackRate = maxRate; // a native menu's 3×, say
    for (const button of rateButtons) {
      button.setAttribute('aria-pressed', String(Number(button.dataset.rate) === media.playbackRate));
    }
  });

  // ---- subtitles on/off (remembered on this phone) ----
  const subsButton = document.getElementById('lesson-subs');
  // The track loads its file once its mode leaves "disabled": not before the first play, so
  // the page before play weighs no more than its text.
  let subsOn = false;
  function showSubs(on) {
    subsOn = on;
    if (track && played) track.mode = on ? 'showing' : 'hidden';
    subsButton.setAttribute('aria-pressed', String(on));
    subsButton.textContent = on ? '字幕：开' : '字幕：关';
  }
  if (audio || !track) {
    subsButton.hidden = true; // audio shows no picture: the transcript follows instead
  } else {
    let saved = null;
    try {
      saved = localStorage.getItem(SUBS_KEY);
    } catch {
      // storage blocked: subtitles on
    }
    showSubs(saved !== '0');
    subsButton.addEventListener('click', () => {
      const on = subsButton.getAttribute('aria-pressed') !== 'true';
      showSubs(on);
      try {
        localStorage.setItem(SUBS_KEY, on ? '1' : '0');
      } catch {
        // not remembered
      }
    });
  }

  // ---- the transcript follows the playing cue ----
  let current = null;
  if (transcript) transcript.classList.add('is-following');
  function follow() {
    const t = media.currentTime;
    const cue = cues.find((li) => t >= Number(li.dataset.start) && t < Number(li.dataset.end)) || null;
    if (cue === current) return;
    if (current) {
      current.classList.remove('is-current');
      current.removeAttribute('aria-current');
    }
    current = cue;
    if (!cue) return;
    cue.classList.add('is-current');
    cue.setAttribute('aria-current', 'true');
    // Scroll the transcript's own box, never the page under her finger.
    const top = cue.offsetTop - transcript.clientHeight / 3;
    transcript.scrollTo({ top: Math.max(0, top), behavior: 'smooth' });
  }
  media.addEventListener('timeupdate', follow);
  media.addEventListener('seeked', follow);

  // ---- her progress ----
  function showProgress(lesson) {
    if (!lesson || !status) return;
    status.hidden = false;
    const share = Math.min(100, Math.round((Number(lesson.covered_share) || 0) * 100));
    status.textContent = lesson.watched ? '已看完' : `已看 ${share}%`;
    status.classList.toggle('is-read', Boolean(lesson.watched));
  }

  if (!getToken()) return;

  api(`/api/lessons/${encodeURIComponent(slug)}/progress`)
    .then((progress) => {
      showProgress(progress);
      const at = Math.floor(Number(progress.position) || 0);
      if (!played && at >= 1 && at < duration - 1) {
        resumeAt = at;
        document.getElementById('lesson-resume-text').textContent = `从 ${mmss(at)} 继续`;
        resume.hidden = false;
      }
    })
    .catch(() => {}); // not signed in after all, or offline: she starts from the beginning

  let wasWatched = null;
  onAnswer((answer) => {
    if (answer.slug !== slug || !answer.lesson) return;
    showProgress(answer.lesson);
    const awards = answer.awards || (answer.award ? [answer.award] : []);
    const points = awards.reduce((sum, a) => sum + (Number(a.points) || 0), 0);
    const newlyWatched = answer.lesson.watched && wasWatched === false;
    wasWatched = Boolean(answer.lesson.watched);
    if (points > 0 || newlyWatched) {
      const what = newlyWatched || awards.some((a) => a.rule === 'lesson_watched') ? '已看完本课' : '视听学习';
      import('./toast.js')
        .then((m) => m.awardToast(what, points > 0 ? { points } : null))
        .catch(() => {});
    }
  });

  startCredit(slug, audio);
}

function startCredit(slug, audio) {
  const viewId = newViewId();
  let seq = 0;
  let countedMs = 0;
  let since = null; // when the current counted stretch started (wall clock)
  let waiting = false; // stalled for data: not playing
  let lastSent = null; // the position of the last beat
  const ranges = []; // [from, to] media seconds played since the last beat
  let open = false; // the last range is still growing
  let lastPos = null;

  const counting = () =>
    !media.paused &&
    !media.ended &&
    !waiting &&
    media.playbackRate > 0 &&
    (document.visibilityState === 'visible' || (audio && !media.muted && media.volume > 0));

  function settle() {
    const now = Date.now();
    if (since !== null) {
      countedMs += Math.max(0, now - since);
      since = null;
    }
    if (counting()) since = now;
  }

  function closeRange() {
    open = false;
    lastPos = null;
  }

  function track(force = false) {
    if (!force && (media.paused || media.seeking)) return;
    const t = media.currentTime;
    if (open && lastPos !== null && t >= lastPos && t - lastPos <= CONTIGUOUS) {
      ranges[ranges.length - 1][1] = t;
    } else {
      if (ranges.length >= MAX_RANGES) beat();
      ranges.push([t, t]);
      open = true;
    }
    lastPos = t;
  }

  function take() {
    settle();
    const seconds = Math.floor(countedMs / 1000);
    countedMs -= seconds * 1000;
    const round = (x) => Math.round(x * 10) / 10;
    const played = ranges.filter(([a, b]) => b > a).map(([a, b]) => [round(a), round(b)]);
    const tail = open ? ranges[ranges.length - 1][1] : null;
    ranges.length = 0;
    if (tail !== null) ranges.push([tail, tail]); // the range goes on in the next beat
    const position = Math.floor(media.currentTime || 0);
    if (seconds < 1 && !played.length && position === lastSent) return null;
    lastSent = position;
    return { view_id: viewId, seq: seq++, slug, seconds, position, ranges: played };
  }

  let lastBeatAt = Date.now();
  function beat(keepalive = false) {
    lastBeatAt = Date.now();
    const next = take();
    if (next) enqueue(next);
    flush(keepalive);
  }

  // Open the view now: the server credits from the moment it first hears of it.
  enqueue({ view_id: viewId, seq: seq++, slug, seconds: 0 });
  flush(); // that, and beats left over from earlier pages

  media.addEventListener('timeupdate', () => {
    track();
    // A phone may slow the page's timers while it plays in the background (an audio lesson
    // with the screen off); the player's own events keep the beats coming, so no beat grows
    // past what the server credits at once (20 s).
    if (Date.now() - lastBeatAt >= BEAT_MS + 1000) beat();
  });
  for (const type of ['play', 'ratechange', 'volumechange']) media.addEventListener(type, settle);
  media.addEventListener('playing', () => {
    waiting = false;
    settle();
  });
  media.addEventListener('waiting', () => {
    settle();
    waiting = true;
    settle();
  });
  media.addEventListener('seeking', () => {
    settle();
    closeRange();
  });
  media.addEventListener('seeked', () => beat());
  for (const type of ['pause', 'ended']) {
    media.addEventListener(type, () => {
      track(true); // up to where she stopped
      closeRange();
      waiting = false;
      beat();
    });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beat(true);
    else settle();
  });
  addEventListener('pagehide', () => beat(true));
  setInterval(() => beat(), BEAT_MS);
}

if (article && media) setup();
