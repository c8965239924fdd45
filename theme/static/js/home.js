// 首页「今日学习」: for a signed-in member, one call (GET /api/me/today) fills the panel the page
// already shows: today's points and each daily cap, the 党章 day, the daily quiz, 继续阅读, a
// reviewer's to-dos, her next meeting, and the tab bar's unread badge; a second call
// (GET /api/lessons/mine) shows 继续观看, her lessons in progress. An anonymous reader keeps the
// page as built and sends no request at all.
// Every box keeps its height (home.css), so filling it shifts nothing.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { showUnread } from './badge.js';
import { el } from './dom.js';
import { lessonRow } from './lesson_progress.js';

const $ = (id) => document.getElementById(id);
const TILES = 8; // today's points + seven capped rules: two rows of four (home.css)

function tile(value, label, full) {
  const box = el('span', `today-tile${full ? ' is-full' : ''}`);
  box.append(el('span', 'today-value', value), el('span', 'today-tile-label', label));
  return box;
}

// Placeholder tiles while the answer is on its way: the same boxes as the filled ones.
function skeleton() {
  const tiles = el('div', 'today-tiles is-loading');
  tiles.setAttribute('aria-busy', 'true');
  for (let i = 0; i < TILES; i++) tiles.append(tile('–', '加载中'));
  $('today-figures').replaceChildren(tiles);
}

function showFigures(points) {
  const link = el('a', 'today-tiles');
  link.href = '/my-dangjian.html';
  link.append(tile(String(points.today), '今日积分', false));
  for (const rule of points.rules.filter((r) => r.daily_cap).slice(0, TILES - 1)) {
    const full = rule.cap_used >= rule.daily_cap;
    link.append(tile(`${rule.cap_used}/${rule.daily_cap}`, rule.label, full));
  }
  $('today-figures').replaceChildren(link);
}

function showSide(todo, birthday) {
  const side = $('today-side');
  if (!todo) {
    // On her political birthday the link goes to her card instead (政治生日, birthday.js).
    const more = el('a', 'today-more', birthday ? '政治生日贺卡' : '我的党建');
    more.href = birthday ? '/birthday.html' : '/my-dangjian.html';
    side.replaceChildren(more);
    return;
  }
  const chip = (href, label, count, more) => {
    const link = el('a', `today-chip${count ? ' has-work' : ''}`, label);
    link.href = href;
    link.append(el('b', '', `${count}${more ? '+' : ''}`));
    return link;
  };
  side.replaceChildren(
    chip('/review.html', '待审核', todo.review, todo.review_more),
    chip('/moderation.html', '待处理评论', todo.comments, todo.comments_more),
  );
}

function showConstitution(days) {
  const row = $('today-dz');
  if (!row) return;
  const read = new Set(days.days);
  const today = Number(row.dataset.day);
  $('today-dz-label').textContent = `党章百日学 · 第 ${today} 天 · 已读 ${days.count} 天`;
  const state = $('today-dz-state');
  state.textContent = read.has(today) ? '已学' : '去学习';
  state.classList.toggle('is-done', read.has(today));
}

function showQuiz(quiz) {
  if (!quiz) return; // none open to her: the row stays the quiz hub's entry
  const row = $('today-quiz');
  row.href = `/quiz-play.html?id=${encodeURIComponent(quiz.id)}`;
  if (quiz.count) $('today-quiz-line').textContent = `每天 ${quiz.count} 道题，答对一题得 1 积分`;
  const state = $('today-quiz-state');
  if (quiz.done) state.textContent = `答对 ${quiz.correct}/${quiz.total}`;
  else state.textContent = quiz.status === 'open' ? '继续作答' : '去答题';
  state.classList.toggle('is-done', quiz.done);
}

function showContinue(item) {
  $('today-continue-label').textContent = '继续阅读';
  if (!item) {
    $('today-continue-line').textContent = '去学习栏目看看新内容';
    return;
  }
  $('today-continue').href = item.url;
  $('today-continue-line').textContent = item.title;
  $('today-continue-state').textContent = `已读 ${item.percent}%`;
}

// Her meetings of the next 7 days she has not checked in to: the next one, and how many.
function showMeetings(meetings) {
  if (!meetings || !meetings.next) return; // none: the row stays the way to 我的会议
  const next = meetings.next;
  $('today-meetings').href = next.url;
  $('today-meetings-line').textContent = `${next.topic} · ${next.when}`;
  $('today-meetings-state').textContent = `${meetings.count}${meetings.more ? '+' : ''} 个待参加`;
}

// 继续观看: her first three lessons in progress; the card stays hidden when there are none or
// the call fails (the rest of the page does not depend on it).
const WATCHING = 3;

async function showWatching() {
  let mine;
  try {
    mine = await api(`/api/lessons/mine?state=in_progress&limit=${WATCHING}`);
  } catch {
    return;
  }
  if (!mine.lessons.length) return;
  $('watch-list').replaceChildren(...mine.lessons.slice(0, WATCHING).map(lessonRow));
  $('watch').hidden = false;
}

function showError(message) {
  const box = el('p', 'today-error', message);
  box.setAttribute('role', 'alert');
  $('today-figures').replaceChildren(box);
}

async function main() {
  if (!$('today') || !isSignedIn()) return;
  const anonymous = [...$('today-figures').childNodes];
  skeleton();
  let day;
  try {
    // A new visit has the refresh cookie but no access token yet: refresh first rather than
    // be refused once (a 401 in the console) and then refresh.
    if (!getToken() && !(await refresh())) {
      $('today-figures').replaceChildren(...anonymous); // the login ended
      return;
    }
    showWatching(); // beside the day's figures, not after them
    day = await api('/api/me/today');
  } catch (error) {
    if (error.status === 401) $('today-figures').replaceChildren(...anonymous); // the login ended
    else showError(`今日学习暂时无法显示：${error.message}`);
    return;
  }
  showFigures(day.points);
  showSide(day.todo, day.birthday);
  showConstitution(day.constitution);
  showQuiz(day.daily_quiz);
  showContinue(day.continue);
  showMeetings(day.meetings);
  showUnread(day.messages); // the tab bar's badge: no call of its own on the home page
}

main();
