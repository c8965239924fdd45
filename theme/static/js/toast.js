// WeUI toast: a short message in the middle of the viewport, wherever the reader has scrolled
// to, gone after a moment; it never takes a tap. Screen readers hear it through a polite live
// region that exists before the first message (a region added with its text is often not read).
// Styles in css/dialog.css, fetched on first use.
import { uiStyles } from './ui_css.js';

const SHOW_MS = 2500;
let region = null;
let timer = null;

function liveRegion() {
  if (!region) {
    region = document.createElement('div');
    region.className = 'dj-toast-region';
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    document.body.append(region);
  }
  return region;
}

function tick() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'dj-toast-icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M5 12.5l4.5 4.5L19 7.5');
  svg.append(path);
  return svg;
}

/**
 * Shows `message` (a later toast replaces an earlier one).
 * @param {string} message
 * @param {{icon?: boolean, ms?: number}} [options] icon: the WeUI success tick
 */
export async function toast(message, { icon = true, ms = SHOW_MS } = {}) {
  await uiStyles();
  const box = document.createElement('div');
  box.className = 'dj-toast';
  const inner = document.createElement('div');
  inner.className = 'dj-toast-box';
  if (icon) inner.append(tick());
  const text = document.createElement('p');
  text.className = 'dj-toast-text';
  text.textContent = message;
  inner.append(text);
  box.append(inner);
  liveRegion().replaceChildren(box);
  clearTimeout(timer);
  timer = setTimeout(() => box.remove(), ms);
}

/**
 * The toast for points the server says it just credited: `${what}，积分 +N` (or `what` alone when
 * nothing was credited, e.g. the day's cap was reached). Returns whether points were shown.
 * @param {string} what e.g. 已计入学习
 * @param {{points: number} | null | undefined} award the `award` of an API answer
 * @returns {boolean}
 */
export function awardToast(what, award) {
  const points = award && Number(award.points) > 0 ? Number(award.points) : 0;
  if (!points && !what) return false;
  toast(points ? `${what}，积分 +${points}` : what);
  return points > 0;
}

// The region is there before the first message.
if (document.body) liveRegion();
else addEventListener('DOMContentLoaded', liveRegion);
