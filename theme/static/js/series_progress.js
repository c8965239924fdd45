// Which installments of a daily series (党章百日学) this member has read: fills the
// #series-progress box (已读 N 天 / 共 T 天, a bar) and marks read days in the index list.
// The article page calls creditDay() when the server credits the day's read, so the count
// beside the award is never the stale one of when the page loaded.
import { api } from './api.js';

const read = new Set(); // days read: the server's answer plus the ones credited since
let loaded = false;

function box() {
  const node = document.getElementById('series-progress');
  return node && node.dataset.series ? node : null;
}

function render(node) {
  const total = Number(node.dataset.total) || read.size;
  node.textContent = '';
  const label = document.createElement('span');
  const today = node.dataset.day ? (read.has(Number(node.dataset.day)) ? '，本篇已读' : '') : '';
  label.textContent = `已读 ${read.size} 天 / 共 ${total} 天${today}`;
  const bar = document.createElement('span');
  bar.className = 'bar';
  const fill = document.createElement('span');
  fill.style.width = `${total ? Math.min(100, (100 * read.size) / total) : 0}%`;
  bar.append(fill);
  node.append(label, bar);
  node.hidden = false;
  for (const item of document.querySelectorAll('.series-days li[data-day]')) {
    item.classList.toggle('is-read', read.has(Number(item.dataset.day)));
  }
}

export async function showSeriesProgress() {
  const node = box();
  if (!node) return;
  let progress;
  try {
    progress = await api(`/api/reading/progress?series=${encodeURIComponent(node.dataset.series)}`);
  } catch {
    return; // not logged in or offline: the page reads fine without it
  }
  for (const day of progress.days) read.add(Number(day));
  loaded = true;
  render(node);
}

// The article's day was just credited: count it now (the server's list may lag behind its
// own write, and a second request is not needed), then confirm with the server's list.
export function creditDay() {
  const node = box();
  if (!node || !node.dataset.day) return;
  read.add(Number(node.dataset.day));
  if (loaded) render(node);
  showSeriesProgress();
}

if (!document.querySelector('article[data-slug]')) showSeriesProgress();
