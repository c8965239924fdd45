// 我的党建: my points, today's progress toward each daily cap, 12 months, the activity mix,
// my rank and stars in my branch, my 微党课 progress, and the paged detail log.
import { api, requireLogin } from './api.js';
import { barChart, mixBars, starsText } from './charts.js';
import { lessonRow } from './lesson_progress.js';

requireLogin(); // a login that ended goes to login and back here (api.js)

const $ = (id) => document.getElementById(id);

function renderRules(rules) {
  const list = $('rule-progress');
  list.replaceChildren();
  for (const rule of rules) {
    const row = document.createElement('div');
    row.className = 'rule-row';
    row.dataset.rule = rule.key;
    const label = document.createElement('span');
    label.className = 'rule-label';
    label.textContent = rule.label;
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    const cap = rule.daily_cap;
    // The bar is the daily cap's use (a reversal does not give it back); the number is the
    // net points, the sum of today's ledger lines, like every other figure on the page.
    // A deduction (a rule with negative points: an unexcused absence) fills no bar and is no
    // reversal: its number says it.
    const deduction = rule.points < 0;
    const used = rule.cap_used != null ? rule.cap_used : rule.today;
    fill.style.width = cap ? `${Math.min(100, (100 * used) / cap)}%` : rule.today > 0 ? '100%' : '0';
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'rule-value';
    value.textContent = cap ? `${rule.today}/${cap}` : `${rule.today}`;
    if (!deduction && used > rule.today) value.textContent += `（撤销 ${used - rule.today}）`;
    if (cap && used >= cap) row.classList.add('is-full');
    row.append(label, bar, value);
    list.append(row);
  }
}

function renderStanding(data) {
  const box = $('my-standing');
  if (!data.rankings_enabled) {
    box.hidden = true;
    $('boards-link').hidden = true;
    return;
  }
  box.hidden = false;
  const s = data.standing;
  $('standing-text').textContent = s
    ? `本月支部第 ${s.rank} 名（共 ${s.of} 人）`
    : '排名每 10 分钟更新，稍后再来看看';
  $('standing-stars').textContent = s ? starsText(s.stars) : '';
}

// 视听学习: lessons watched, and the first lessons in progress (the room of LESSON_ROWS rows).
const LESSON_ROWS = 3;

async function loadLessons() {
  let mine;
  try {
    mine = await api(`/api/lessons/mine?state=in_progress&limit=${LESSON_ROWS}`);
  } catch (error) {
    $('lesson-none').textContent = `视听学习暂时无法显示：${error.message}`;
    return;
  }
  $('lessons-watched').textContent = String(mine.watched_count);
  if (!mine.lessons.length) {
    $('lesson-none').textContent = '没有看到一半的微党课，去微课堂看看新党课吧。';
    return;
  }
  $('lesson-list').replaceChildren(...mine.lessons.slice(0, LESSON_ROWS).map(lessonRow));
}

let cursor = null;

async function loadLog() {
  const button = $('log-more');
  button.disabled = true;
  const page = await api(`/api/points/log${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  const list = $('log-list');
  for (const item of page.items) {
    const row = document.createElement('div');
    row.className = 'cell log-row';
    const what = document.createElement('span');
    what.className = 'cell-bd';
    what.textContent = `${item.label}${item.reversal ? '（撤销）' : ''}`;
    const when = document.createElement('span');
    when.className = 'log-when';
    // eslint-disable-next-line es-x/no-array-prototype-at, es-x/no-string-prototype-at -- item.at is a field (the time)
    when.textContent = item.at.slice(0, 16).replace('T', ' ');
    const pts = document.createElement('span');
    pts.className = `log-points${item.points < 0 ? ' is-negative' : ''}`;
    pts.textContent = item.points > 0 ? `+${item.points}` : String(item.points);
    row.append(what, when, pts);
    list.append(row);
  }
  $('log-empty').hidden = list.children.length > 0;
  cursor = page.next;
  button.hidden = !cursor;
  button.disabled = false;
}

async function main() {
  loadLessons(); // its own call, beside the figures
  let data;
  try {
    data = await api('/api/points/me');
  } catch (error) {
    if (error.status === 401) {
      location.replace('/login.html?next=/my-dangjian.html');
      return;
    }
    $('pts-error').textContent = error.message;
    $('pts-error').hidden = false;
    return;
  }
  $('pts-today').textContent = data.today;
  $('pts-month').textContent = data.month;
  $('pts-year').textContent = data.year;
  $('pts-all').textContent = data.all;
  renderRules(data.rules);
  barChart(
    $('chart-months'),
    data.months.map((m) => ({ label: `${Number(m.month.slice(5))}月`, value: m.points })),
  );
  mixBars($('chart-mix'), data.mix.map((m) => ({ label: m.label, value: m.points })));
  renderStanding(data);
  const year = data.day.slice(0, 4);
  $('report-link').href = `/report.html?year=${year}`;
  $('report-link').textContent = `${year} 年度党建报告`;
  $('log-more').addEventListener('click', () => loadLog());
  await loadLog();
}

main();
