// Which installments of a daily series (党章百日学) this member has read: fills the
// #series-progress box (已读 N 天 / 共 T 天, a bar) and marks read days in the index list.
import { api } from './api.js';

export async function showSeriesProgress() {
  const box = document.getElementById('series-progress');
  if (!box || !box.dataset.series) return;
  let progress;
  try {
    progress = await api(`/api/reading/progress?series=${encodeURIComponent(box.dataset.series)}`);
  } catch {
    return; // not logged in or offline: the page reads fine without it
  }
  const read = new Set(progress.days);
  const total = Number(box.dataset.total) || read.size;
  box.textContent = '';
  const label = document.createElement('span');
  const today = box.dataset.day ? (read.has(Number(box.dataset.day)) ? '，本篇已读' : '') : '';
  label.textContent = `已读 ${read.size} 天 / 共 ${total} 天${today}`;
  const bar = document.createElement('span');
  bar.className = 'bar';
  const fill = document.createElement('span');
  fill.style.width = `${total ? Math.min(100, (100 * read.size) / total) : 0}%`;
  bar.append(fill);
  box.append(label, bar);
  box.hidden = false;
  for (const item of document.querySelectorAll('.series-days li[data-day]')) {
    item.classList.toggle('is-read', read.has(Number(item.dataset.day)));
  }
}

if (!document.querySelector('article[data-slug]')) showSeriesProgress();
