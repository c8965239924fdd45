// 党务工作台 › 党员情况 (/console-member.html?no=<党员编号>&year=YYYY): for the staff over her
// branch, a member's study record, points by month (a chart and its table), the year's ledger and
// her attendance. Out of scope or unknown: the API's Chinese refusal, and nothing else.
import { api, requireLogin } from './api.js';
import { el } from './dom.js';
import { $, MEMBER_NO, num, params, refusal, table, tableBox, today } from './console_kit.js';
import { barColumns, chartBox } from './console_charts.js';

requireLogin();

const STATUS = { full: '正式党员', probationary: '预备党员' };
const ROLES = {
  branch_secretary: '支部书记',
  branch_committee: '支部委员',
  general_branch_committee: '党总支委员',
  party_committee: '党委委员',
  admin: '管理员',
};
const view = $('cm-view');

function refuse(message) {
  view.hidden = true;
  $('cm-denied').hidden = false;
  $('cm-denied-text').textContent = message;
}

function fact(term, value) {
  const row = el('div');
  row.append(el('dt', '', term), el('dd', '', value || '未填写'));
  return row;
}

function card(labelText, value, sub) {
  const box = el('div', 'console-card');
  box.append(el('span', 'console-card-label', labelText), el('strong', 'console-card-value', value));
  if (sub) box.append(el('span', 'console-card-sub', sub));
  return box;
}

async function start() {
  const no = params.get('no') || '';
  if (!MEMBER_NO.test(no)) return refuse('缺少党员编号，请从工作台的党员名单进入');
  const thisYear = today().getUTCFullYear();
  const asked = Number(params.get('year'));
  const year = asked >= 2000 && asked <= thisYear ? asked : thisYear;
  let data;
  try {
    data = await api(`/api/console/members/${encodeURIComponent(no)}?year=${year}`);
  } catch (error) {
    return refuse(refusal(error));
  }
  const m = data.member;
  view.hidden = false;
  document.title = `${m.name} · 党务工作台`;
  $('cm-name').textContent = `${m.name}（${m.member_no}）`;
  const branch = m.branch || {};
  const trail = el('li');
  const link = el('a', '', branch.name || '所在支部');
  link.href = `/console.html?${new URLSearchParams({ unit: branch.id || '' })}`;
  trail.append(link);
  const here = el('li');
  here.append(el('span', '', m.name));
  here.lastChild.setAttribute('aria-current', 'page');
  $('cm-trail').replaceChildren(trail, here);
  $('cm-year').textContent = `${year}年`;
  $('cm-prev').href = `/console-member.html?${new URLSearchParams({ no, year: year - 1 })}`;
  $('cm-prev').hidden = year <= 2000; // the API's first year: before it the page shows this year
  $('cm-next').href = `/console-member.html?${new URLSearchParams({ no, year: year + 1 })}`;
  $('cm-next').hidden = year >= thisYear;
  $('cm-facts').replaceChildren(
    fact('所在支部', branch.name),
    fact('党员类别', m.status_label || STATUS[m.status] || m.status),
    fact('入党日期', m.joined_on),
    fact('性别', m.gender),
    fact('出生日期', m.birth_date),
    fact('学历', m.education),
    fact('职业', m.occupation),
    fact('党务角色', (m.roles || []).map((r) => ROLES[r] || r).join('、') || '无'),
  );
  const s = data.study || {};
  $('cm-study').replaceChildren(
    card('阅读文章', num(s.reads), '篇次'),
    card('党章学习', num(s.constitution), '已学期数'),
    card('参加答题', num(s.quiz_participations), '次'),
    card('活跃天数', num(s.active_days), `${year}年`),
    card('全年积分', num((data.points || {}).total), '分'),
  );
  renderPoints(data.points || {}, year);
  const a = data.attendance || {};
  $('cm-attendance').replaceChildren(
    card('应参加会议', num(a.meetings), '次'),
    card('出席', num(a.present), '次'),
    card('请假', num(a.leave), '次'),
    card('缺席', num(a.absent), '次'),
  );
  const log = data.log || [];
  $('cm-log-note').textContent = data.log_more
    ? `显示最近 ${log.length} 条；导出 Excel 可得全年明细。`
    : `共 ${log.length} 条。`;
  const columns = [
    { key: 'day', label: '日期' },
    { key: 'label', label: '事项', text: (row) => row.label || row.rule },
    { key: 'points', label: '积分', number: true },
    { key: 'object', label: '内容' },
  ];
  const path = `/api/console/members/${encodeURIComponent(no)}?year=${year}`;
  $('cm-log-box').replaceChildren(tableBox(table(columns, log, { id: 'cm-log', caption: `${year}年积分明细` }), path, { fallbackName: 'member.xlsx' }));
  $('cm-log-empty').hidden = log.length > 0;
  view.setAttribute('aria-busy', 'false');
}

function renderPoints(points, year) {
  const months = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'));
  const values = months.map((mm) => Number((points.months || {})[mm] || 0));
  const figure = el('figure', 'console-figure console-figure-wide');
  figure.id = 'cm-points-fig';
  const chart = chartBox(`${year}年按月积分柱状图`, 260);
  figure.append(el('figcaption', 'console-figcaption', `${year}年按月积分`), chart);
  $('cm-points-grid').replaceChildren(figure);
  barColumns(chart, months.map((mm) => `${Number(mm)}月`), [{ name: '积分', data: values }]);
  const rows = months.map((mm, i) => ({ month: `${Number(mm)}月`, points: values[i] }));
  const data = el('div', 'console-figure-table');
  data.append(tableBox(table([{ key: 'month', label: '月份' }, { key: 'points', label: '积分', number: true }], rows, { id: 'cm-points', caption: `${year}年按月积分` })));
  figure.append(data);
}

start().catch((error) => refuse(refusal(error)));
