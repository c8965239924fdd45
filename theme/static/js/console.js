// 党务工作台 › 工作台 (/console.html?unit=ID&period=P[&list=quality]): one unit's figures for a
// period (week, month, quarter, year), each linking to the list behind it; its children with
// drill-down (committee → general branch → branch → member), their comparison (横向), the unit
// over time (纵向), and its member structure. Every chart has its table; every table exports.
import { api, requireLogin } from './api.js';
import { el } from './dom.js';
import {
  $,
  isCurrent,
  kept,
  FIGURE_DIGITS,
  FIGURE_LABELS,
  UNIT_ID,
  num,
  params,
  periodKind,
  periodLabel,
  shortLabels,
  refusal,
  shiftPeriod,
  showError,
  table,
  tableBox,
  switchPeriod,
} from './console_kit.js';
import { barColumns, barRows, chartBox, lines } from './console_charts.js';

requireLogin();

const LABELS = FIGURE_LABELS;
const DIGITS = FIGURE_DIGITS;
const PENDING = {
  reviews: '待审核内容',
  held_comments: '待处理评论',
  meetings_overdue: '逾期未开会议',
  dues_unpaid: '未交党费',
};
const STATUS = { full: '正式党员', probationary: '预备党员' };

const state = { unit: null, period: null, dash: null, labels: { ...LABELS } };
const view = $('cs-view');

const orZero = (v) => (v === null || v === undefined ? 0 : v);
const orNull = (v) => (v === undefined ? null : v);
const label = (key) => state.labels[key] || LABELS[key] || key;
const figureColumns = (keys) => keys.map((key) => ({ key, label: label(key), number: true, digits: DIGITS[key] }));
const href = (query) => `/console.html?${new URLSearchParams(query)}`;
const unitPath = (suffix = '') => `/api/console/units/${encodeURIComponent(state.unit)}${suffix}`;

// --- the unit, the trail, the period ---------------------------------------------------------

async function start() {
  let units;
  try {
    units = await api('/api/console/units');
  } catch (error) {
    return refuse(error);
  }
  const asked = params.get('unit');
  state.unit = asked && UNIT_ID.test(asked) ? asked : units.default;
  const period = params.get('period');
  state.period = periodKind(period) ? period : '';
  renderUnits(units.units);
  await load();
}

function refuse(error) {
  view.hidden = true;
  $('cs-denied').hidden = false;
  $('cs-denied-text').textContent = refusal(error);
}

function renderUnits(units) {
  const select = $('cs-root');
  const options = units.map((u) => Object.assign(el('option', '', u.name), { value: u.id }));
  const isRoot = units.some((u) => u.id === state.unit);
  // Below a root (drilled down): the picker says so rather than naming another unit.
  if (!isRoot) options.unshift(Object.assign(el('option', '', '（下级单位）'), { value: '' }));
  select.replaceChildren(...options);
  $('cs-root-field').hidden = units.length < 2;
  select.value = isRoot ? state.unit : '';
  select.addEventListener('change', () => {
    if (select.value) location.assign(href({ unit: select.value, period: state.period }));
  });
}

async function load() {
  let dash;
  try {
    const query = state.period ? `?period=${encodeURIComponent(state.period)}` : '';
    dash = await api(unitPath(`/dashboard${query}`));
  } catch (error) {
    return refuse(error);
  }
  state.dash = dash;
  state.period = dash.period.key;
  Object.assign(state.labels, dash.figure_labels || {});
  history.replaceState(null, '', href({ unit: state.unit, period: state.period }) + location.hash);
  view.hidden = false;
  renderHead(dash);
  renderCards(dash);
  renderLists(dash);
  renderCompare(dash);
  await Promise.all([loadSeries(periodKind(state.period)), loadStructure()]);
  if (params.get('list') === 'quality') await loadQuality();
  view.setAttribute('aria-busy', 'false');
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target) target.scrollIntoView();
}

function renderHead(dash) {
  $('cs-title').textContent = dash.unit.name;
  document.title = `${dash.unit.name} · 党务工作台`;
  const trail = $('cs-trail');
  trail.replaceChildren(
    ...dash.trail.map((step, i) => {
      const li = el('li');
      if (i === dash.trail.length - 1) {
        li.append(el('span', '', step.name));
        li.lastChild.setAttribute('aria-current', 'page');
      } else {
        const link = el('a', '', step.name);
        link.href = href({ unit: step.id, period: state.period });
        li.append(link);
      }
      return li;
    }),
  );
  $('cs-period-label').textContent = dash.period.label || periodLabel(state.period);
  $('cs-period-range').textContent = `${dash.period.from} 至 ${dash.period.to}`;
  const kind = periodKind(state.period);
  for (const button of document.querySelectorAll('[data-period-kind]')) {
    button.setAttribute('aria-pressed', String(button.dataset.periodKind === kind));
  }
  const prev = shiftPeriod(state.period, -1);
  $('cs-prev').hidden = !kept(prev);
  $('cs-prev').href = href({ unit: state.unit, period: prev });
  const next = shiftPeriod(state.period, 1);
  $('cs-next').hidden = !kept(next);
  $('cs-next').href = href({ unit: state.unit, period: next });
  $('cs-report').href = `/console-report.html?${new URLSearchParams({ unit: state.unit, period: state.period })}`;
  const at = dash.computed_at ? new Date(dash.computed_at * 1000 + 8 * 3600 * 1000).toISOString() : '';
  $('cs-computed').textContent = at
    ? `数据更新于 ${at.slice(0, 16).replace('T', ' ')}`
    : '统计数据尚未生成（工作台的数据每小时计算一次），请稍后再看。';
  // A past period's counts sit beside today's registry (no past roster is kept): said so.
  if (at && !isCurrent(state.period)) {
    $('cs-computed').textContent += '。党员人数、党章进度、考试平均分和数据问题是当前的数字，人均积分按目前党员人数计算。';
  }
}

function choosePeriodKind(kind) {
  location.assign(href({ unit: state.unit, period: switchPeriod(kind, state.period) }));
}

// --- figure cards ------------------------------------------------------------------------------

function card(key, value, sub, link) {
  const box = el(link ? 'a' : 'div', 'console-card');
  if (link) box.href = link;
  box.dataset.figure = key;
  box.append(el('span', 'console-card-label', label(key) || PENDING[key]), el('strong', 'console-card-value', value));
  if (sub) box.append(el('span', 'console-card-sub', sub));
  return box;
}

function renderCards(dash) {
  const f = dash.figures;
  const isBranch = dash.unit.kind === 'branch';
  const list = isBranch ? '#cs-members-sec' : '#cs-children-sec';
  const quality = `${href({ unit: state.unit, period: state.period, list: 'quality' })}#cs-quality-sec`;
  const cards = [
    card('members', num(f.members), `正式 ${num(f.full)} · 预备 ${num(f.probationary)}`, list),
    card('active_week', num(f.active_week), '有学习或积分记录的党员', list),
    card('active_month', num(f.active_month), `本期 ${num(f.active)} 人`, list),
    card('reads', num(f.reads), `${num(f.readers)} 人阅读`, list),
    card('constitution_progress', num(f.constitution_progress, 1), `本期学习 ${num(f.constitution_reads)} 次`, list),
    card('quiz_participants', num(f.quiz_participants), `平均 ${num(f.quiz_avg_score, 1)} 分`, list),
    // A past period's points shared among today's members (no past roster is kept): said so.
    card('points', num(f.points), `${isCurrent(state.period) ? '' : '按目前党员'}人均 ${num(f.points_avg, 1)} 分`, '#cs-bands-fig'),
    card('comments', num(f.comments), `投票 ${num(f.votes)} 次`, list),
    card('data_quality', num(f.data_quality), '查看问题清单', quality),
  ];
  const pending = f.pending || {};
  const review = view.dataset.reviewUrl;
  const pendingLinks = {
    reviews: review,
    held_comments: '/moderation.html',
    meetings_overdue: '/meeting-plan.html',
    dues_unpaid: `/dues-desk.html?${new URLSearchParams({ unit: state.unit })}`,
  };
  const work = Object.keys(PENDING)
    .filter((key) => pending[key] !== undefined && pending[key] !== null)
    .map((key) => {
      const c = card(key, num(pending[key]), '去处理', pendingLinks[key]);
      c.firstChild.textContent = (dash.pending_labels || {})[key] || PENDING[key];
      c.classList.toggle('is-due', Number(pending[key]) > 0);
      return c;
    });
  $('cs-cards').replaceChildren(...cards);
  $('cs-pending').replaceChildren(...work);
  $('cs-pending-sec').hidden = !work.length;
}

// --- children and members ----------------------------------------------------------------------

const CHILD_KEYS = [
  'members', 'full', 'probationary', 'active_week', 'active_month', 'active', 'reads', 'readers',
  'constitution_progress', 'quiz_participants', 'quiz_avg_score', 'points', 'points_avg',
  'comments', 'votes', 'data_quality',
];

function renderLists(dash) {
  const children = dash.children || [];
  const members = dash.members;
  const exportPath = unitPath(`/dashboard?period=${encodeURIComponent(state.period)}`);
  $('cs-children-sec').hidden = !children.length;
  if (children.length) {
    const keys = CHILD_KEYS.filter((key) => children.some((c) => c.figures[key] !== undefined));
    const rows = children.map((c) => ({ id: c.id, name: c.name, ...c.figures }));
    const columns = [
      { key: 'name', label: '单位', href: (row) => href({ unit: row.id, period: state.period }) },
      ...figureColumns(keys),
    ];
    const t = table(columns, rows, { id: 'cs-children', caption: `${dash.unit.name}的下级单位` });
    $('cs-children-box').replaceChildren(tableBox(t, exportPath, { fallbackName: 'units.xlsx' }));
  }
  $('cs-members-sec').hidden = !members;
  if (members) {
    const named = dash.member_labels || {};
    const columns = [
      { key: 'member_no', label: named.member_no || '党员编号' },
      { key: 'name', label: named.name || '姓名', href: (row) => `/console-member.html?${new URLSearchParams({ no: row.member_no })}` },
      { key: 'status', label: named.status || '党员类别', text: (row) => STATUS[row.status] || row.status || '' },
      { key: 'points', label: named.points || '积分', number: true },
      { key: 'reads', label: named.reads || '阅读篇次', number: true },
      { key: 'constitution', label: named.constitution || '党章学习篇次', number: true },
      { key: 'quiz', label: named.quiz || '答题次数', number: true },
      { key: 'active_days', label: named.active_days || '活跃天数', number: true },
    ];
    const t = table(columns, members, { id: 'cs-members', caption: `${dash.unit.name}的党员` });
    $('cs-members-box').replaceChildren(tableBox(t, exportPath, { fallbackName: 'members.xlsx' }));
    $('cs-members-empty').hidden = members.length > 0;
  }
}

// --- 横向: the children side by side -----------------------------------------------------------

const COMPARABLE = ['members', 'active', 'active_month', 'reads', 'readers', 'constitution_progress', 'quiz_participants', 'quiz_avg_score', 'points', 'points_avg', 'comments', 'votes', 'data_quality'];

function figureSection(id, title, chartLabel, exportPath) {
  const figure = el('figure', 'console-figure');
  figure.id = id;
  const caption = el('figcaption', 'console-figcaption', title);
  const chart = chartBox(chartLabel);
  const data = el('div', 'console-figure-table');
  figure.append(caption, chart, data);
  figure.exportPath = exportPath;
  return { figure, chart, data };
}

function renderCompare(dash) {
  const children = dash.children || [];
  const exportPath = unitPath(`/dashboard?period=${encodeURIComponent(state.period)}`);
  const grid = $('cs-compare-grid');
  grid.replaceChildren();
  $('cs-compare-note').hidden = children.length > 0;
  if (children.length) {
    const select = $('cs-compare-figure');
    if (!select.options.length) {
      select.append(...COMPARABLE.map((key) => Object.assign(el('option', '', label(key)), { value: key })));
      select.value = params.get('figure') && COMPARABLE.includes(params.get('figure')) ? params.get('figure') : 'points_avg';
      select.addEventListener('change', () => renderCompare(state.dash));
    }
    $('cs-compare-field').hidden = false;
    const key = select.value;
    const names = children.map((c) => c.name);
    const one = figureSection('cs-compare-fig', `各单位${label(key)}`, `${label(key)}条形图`, exportPath);
    const two = figureSection('cs-status-fig', '各单位正式党员与预备党员', '正式党员与预备党员堆积条形图', exportPath);
    grid.append(one.figure, two.figure);
    barRows(one.chart, names, [{ name: label(key), data: children.map((c) => orZero(c.figures[key])) }]);
    one.data.append(
      tableBox(
        table([{ key: 'name', label: '单位' }, { key, label: label(key), number: true, digits: DIGITS[key] }], children.map((c) => ({ name: c.name, [key]: c.figures[key] })), {
          id: 'cs-compare-table',
          caption: `各单位${label(key)}`,
        }),
        exportPath,
        { fallbackName: 'units.xlsx' },
      ),
    );
    barRows(two.chart, names, [
      { name: STATUS.full, stack: 'members', data: children.map((c) => orZero(c.figures.full)) },
      { name: STATUS.probationary, stack: 'members', data: children.map((c) => orZero(c.figures.probationary)) },
    ]);
    two.data.append(
      tableBox(
        table(
          [{ key: 'name', label: '单位' }, ...figureColumns(['full', 'probationary', 'members'])],
          children.map((c) => ({ name: c.name, ...c.figures })),
          { id: 'cs-status-table', caption: '各单位正式党员与预备党员' },
        ),
        exportPath,
        { fallbackName: 'units.xlsx' },
      ),
    );
  } else {
    $('cs-compare-field').hidden = true;
  }
  const bands = dash.figures.points_bands || [];
  const three = figureSection('cs-bands-fig', `本期积分分布（${dash.unit.name}）`, '党员本期积分分布柱状图', exportPath);
  grid.append(three.figure);
  barColumns(three.chart, bands.map((b) => b.label), [{ name: '人数', data: bands.map((b) => b.count) }]);
  three.data.append(
    tableBox(
      table([{ key: 'label', label: '本期积分' }, { key: 'count', label: '人数', number: true }], bands, {
        id: 'cs-bands-table',
        caption: '党员本期积分分布',
      }),
      exportPath,
      { fallbackName: 'units.xlsx' },
    ),
  );
}

// --- 纵向: the unit over time ------------------------------------------------------------------

async function loadSeries(kind) {
  for (const button of document.querySelectorAll('[data-series-kind]')) {
    button.setAttribute('aria-pressed', String(button.dataset.seriesKind === kind));
  }
  const year = state.period.slice(0, 4);
  const query = `?${new URLSearchParams({ kind, year })}`;
  let series;
  try {
    series = await api(unitPath(`/series${query}`));
  } catch (error) {
    showError($('cs-series-error'), refusal(error));
    return;
  }
  showError($('cs-series-error'), '');
  state.series = series;
  state.seriesPath = unitPath(`/series${query}`);
  Object.assign(state.labels, series.figure_labels || {});
  renderSeries();
}

function renderSeries() {
  const series = state.series;
  const select = $('cs-series-figure');
  if (!select.options.length) {
    select.append(...COMPARABLE.map((key) => Object.assign(el('option', '', label(key)), { value: key })));
    select.value = 'active';
    select.addEventListener('change', renderSeries);
  }
  const key = select.value;
  const labels = series.periods.map((p) => p.label || periodLabel(p.key));
  // On the axis without the year when all share it (the table keeps the whole label).
  const axis = shortLabels(labels);
  const children = series.children || [];
  const byChild = children.map((c) => new Map(c.periods.map((p) => [p.key, p.figures[key]])));
  const { figure, chart, data } = figureSection('cs-series-fig', `${series.unit.name || state.dash.unit.name}${label(key)}变化`, `${label(key)}折线图`);
  $('cs-series-box').replaceChildren(figure);
  lines(chart, axis, [
    { name: series.unit.name || '本单位', data: series.periods.map((p) => orNull(p.figures[key])) },
    ...children.map((c, i) => ({ name: c.name, data: series.periods.map((p) => orNull(byChild[i].get(p.key))) })),
  ]);
  const columns = [
    { key: 'label', label: '统计周期' },
    { key: 'unit', label: series.unit.name || '本单位', number: true, digits: DIGITS[key] },
    ...children.map((c, i) => ({ key: `c${i}`, label: c.name, number: true, digits: DIGITS[key] })),
  ];
  const rows = series.periods.map((p, r) => {
    const row = { label: labels[r], unit: p.figures[key] };
    byChild.forEach((m, i) => {
      row[`c${i}`] = m.get(p.key);
    });
    return row;
  });
  data.append(tableBox(table(columns, rows, { id: 'cs-series-table', caption: `${label(key)}变化` }), state.seriesPath, { fallbackName: 'series.xlsx' }));
}

// --- member structure -------------------------------------------------------------------------

async function loadStructure() {
  let structure;
  try {
    structure = await api(unitPath('/structure'));
  } catch (error) {
    showError($('cs-structure-error'), refusal(error));
    return;
  }
  const path = unitPath('/structure');
  const grid = $('cs-structure-grid');
  grid.replaceChildren();
  $('cs-structure-total').textContent = `党员 ${num(structure.total)} 人`;
  for (const dim of structure.dimensions) {
    const { figure, chart, data } = figureSection(`cs-structure-${dim.key}`, dim.label, `${dim.label}条形图`, path);
    grid.append(figure);
    barRows(chart, dim.bands.map((b) => b.label), [{ name: '人数', data: dim.bands.map((b) => b.count) }]);
    const rows = dim.bands.map((b) => ({ ...b, share: structure.total ? `${((100 * b.count) / structure.total).toFixed(1)}%` : '—' }));
    data.append(
      tableBox(
        table([{ key: 'label', label: dim.label }, { key: 'count', label: '人数', number: true }, { key: 'share', label: '占比' }], rows, {
          id: `cs-structure-table-${dim.key}`,
          caption: dim.label,
        }),
        path,
        { fallbackName: 'structure.xlsx' },
      ),
    );
  }
}

// --- data quality ------------------------------------------------------------------------------

async function loadQuality() {
  const sec = $('cs-quality-sec');
  sec.hidden = false;
  let data;
  try {
    data = await api(unitPath('/data-quality'));
  } catch (error) {
    showError($('cs-quality-error'), refusal(error));
    return;
  }
  const columns = [
    { key: 'member_no', label: '党员编号' },
    { key: 'name', label: '姓名', href: (row) => (row.member_no ? `/console-member.html?${new URLSearchParams({ no: row.member_no })}` : '') },
    { key: 'branch', label: '所在支部' },
    { key: 'field', label: '字段' },
    { key: 'problem', label: '问题' },
  ];
  const t = table(columns, data.problems, { id: 'cs-quality', caption: '数据质量问题' });
  $('cs-quality-box').replaceChildren(tableBox(t, unitPath('/data-quality'), { fallbackName: 'data-quality.xlsx' }));
  $('cs-quality-empty').hidden = data.problems.length > 0;
  const total = Number(data.total) || data.problems.length;
  $('cs-quality-note').textContent = total > data.problems.length ? `共 ${total} 条，显示前 ${data.problems.length} 条；导出 Excel 同此。` : `共 ${total} 条。`;
}

// --- controls ---------------------------------------------------------------------------------

for (const button of document.querySelectorAll('[data-period-kind]')) {
  button.addEventListener('click', () => choosePeriodKind(button.dataset.periodKind));
}
for (const button of document.querySelectorAll('[data-series-kind]')) {
  button.addEventListener('click', () => loadSeries(button.dataset.seriesKind));
}
start().catch((error) => showError($('console-error'), refusal(error)));
