// 微党课 progress rows, one definition for the home page's 继续观看 and 我的党建: a lesson's title,
// how much of it she has covered (a bar) and where she left off (「从 mm:ss 继续」), linking to it.
import { el } from './dom.js';

// 125 -> "02:05"; 3725 -> "1:02:05"
export function mediaClock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const rest = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return h ? `${h}:${rest}` : rest;
}

export function lessonRow(lesson) {
  const row = el('a', 'cell cell-access lesson-row');
  row.href = lesson.url;
  row.dataset.slug = lesson.slug;
  const body = el('span', 'cell-bd lesson-row-bd');
  const percent = Math.round(100 * lesson.covered_share);
  const bar = el('span', 'lesson-bar');
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  bar.setAttribute('aria-valuenow', String(percent));
  bar.setAttribute('aria-label', `已看 ${percent}%`);
  const fill = el('span');
  fill.style.width = `${percent}%`;
  bar.append(fill);
  const kind = lesson.media_kind === 'audio' ? '音频' : '视频';
  // At the very end the lesson page starts again from the beginning (lesson.js resumes only
  // before the last second), so the row says so.
  const atEnd = lesson.duration && lesson.position >= lesson.duration - 1;
  let where = `从 ${mediaClock(lesson.position)} 继续`;
  if (lesson.watched) where = '已看完';
  else if (atEnd) where = '从头再看';
  body.append(
    el('span', 'lesson-row-title', lesson.title),
    bar,
    el('span', 'lesson-row-line', `${kind} · ${where} · 已看 ${percent}%`),
  );
  row.append(body);
  return row;
}
