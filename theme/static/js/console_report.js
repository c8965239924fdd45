// 党务工作台 › 数据分析报告 (/console-report.html?unit=ID&period=P): one unit, one period — the
// figures beside the previous period's (纵向), the children side by side (横向), the year's trend
// and the member structure, each chart with its table. 打印 / 保存为 PDF prints it: console.css
// lays it out on A4 without navigation or buttons, and the charts are redrawn at the print width.
import { api, requireLogin } from './api.js';
import { el } from './dom.js';
import {
  $,
  kept,
  FIGURE_DIGITS,
  FIGURE_LABELS,
  NOW_FIGURES,
  UNIT_ID,
  num,
  params,
  periodKind,
  periodLabel,
  shortLabels,
  refusal,
  shiftPeriod,
  table,
  tableBox,
  switchPeriod,
} from './console_kit.js';
import { barColumns, barRows, chartBox, lines, resizeAll } from './console_charts.js';

requireLogin();

// A4 less the page margins (console.css @page), in CSS pixels.
const PRINT_WIDTH = 680;
const SUMMARY = [
  ['members', '党员人数'],
  ['full', '正式党员'],
  ['probationary', '预备党员'],
  ['active', '活跃党员'],
  ['reads', '阅读次数'],
  ['readers', '阅读人数'],
  ['constitution_reads', '党章学习次数'],
  ['constitution_progress', '党章人均进度'],
  ['quiz_participants', '答题人数'],
  ['quiz_avg_score', '答题平均分'],
  ['points', '积分'],
  ['points_avg', '人均积分'],
  ['comments', '评论'],
  ['votes', '投票'],
  ['data_quality', '数据问题'],
];
const DIGITS = FIGURE_DIGITS;
const view = $('cr-view');
const state = { unit: null, period: null, labels: {} };
const label = (key, fallback) => state.labels[key] || FIGURE_LABELS[key] || fallback || key;
const here = (query) => `/console-report.html?${new URLSearchParams(query)}`;
const unitPath = (suffix) => `/api/console/units/${encodeURIComponent(state.unit)}${suffix}`;

function refuse(error) {
  view.hidden = true;
  $('cr-denied').hidden = false;
  $('cr-denied-text').textContent = refusal(error);
}

function figure(id, title, chartLabel, height) {
  const box = el('figure', 'console-figure');
  box.id = id;
  const chart = chartBox(chartLabel, height);
  const data = el('div', 'console-figure-table');
  box.append(el('figcaption', 'console-figcaption', title), chart, data);
  return { box, chart, data };
}

function change(now, before) {
  if (now === null || now === undefined || before === null || before === undefined) return '—';
  const d = Math.round((Number(now) - Number(before)) * 10) / 10;
  if (!d) return '持平';
  return d > 0 ? `增加 ${d}` : `减少 ${-d}`;
}

async function start() {
  let units;
  try {
    units = await api('/api/console/units');
  } catch (error) {
    return refuse(error);
  }
  const asked = params.get('unit');
  state.unit = asked && UNIT_ID.test(asked) ? asked : units.default;
  const asks = params.get('period');
  let dash;
  try {
    dash = await api(unitPath(periodKind(asks) ? `/dashboard?period=${encodeURIComponent(asks)}` : '/dashboard'));
  } catch (error) {
    return refuse(error);
  }
  state.period = dash.period.key;
  Object.assign(state.labels, dash.figure_labels || {});
  history.replaceState(null, '', here({ unit: state.unit, period: state.period }));
  const previousKey = shiftPeriod(state.period, -1);
  const kind = periodKind(state.period);
  const trendKind = kind === 'year' ? 'month' : kind;
  const [previous, series, structure] = await Promise.all([
    api(unitPath(`/dashboard?period=${encodeURIComponent(previousKey)}`)).catch(() => null),
    api(unitPath(`/series?${new URLSearchParams({ kind: trendKind, year: state.period.slice(0, 4) })}`)).catch(() => null),
    api(unitPath('/structure')).catch(() => null),
  ]);
  view.hidden = false;
  renderHead(dash);
  renderSummary(dash, previous);
  renderCompare(dash);
  renderTrend(series, trendKind);
  renderStructure(structure);
  view.setAttribute('aria-busy', 'false');
}

function renderHead(dash) {
  const period = dash.period.label || periodLabel(state.period);
  document.title = `${dash.unit.name}${period}数据分析报告`;
  $('cr-title').textContent = `${dash.unit.name}数据分析报告`;
  $('cr-subtitle').textContent = `统计周期：${period}（${dash.period.from} 至 ${dash.period.to}）`;
  const now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
  $('cr-generated').textContent = `生成时间：${now}　数据来源：智慧党建平台`;
  $('cr-period-pick').textContent = period;
  for (const button of document.querySelectorAll('[data-period-kind]')) {
    button.setAttribute('aria-pressed', String(button.dataset.periodKind === periodKind(state.period)));
  }
  const prev = shiftPeriod(state.period, -1);
  $('cr-prev').hidden = !kept(prev);
  $('cr-prev').href = here({ unit: state.unit, period: prev });
  const next = shiftPeriod(state.period, 1);
  $('cr-next').hidden = !kept(next);
  $('cr-next').href = here({ unit: state.unit, period: next });
  $('cr-back').href = `/console.html?${new URLSearchParams({ unit: state.unit, period: state.period })}`;
}

function renderSummary(dash, previous) {
  const f = dash.figures;
  const p = previous ? previous.figures : {};
  const prevLabel = previous ? previous.period.label || periodLabel(previous.period.key) : '上期';
  const period = dash.period.label || periodLabel(state.period);
  // Shares and averages divide the period's counts by today's members (the registry keeps no
  // past roster): said so, as the other figures given as they are now.
  const share = f.members ? `${((100 * (f.active || 0)) / f.members).toFixed(1)}%` : '—';
  $('cr-summary-text').textContent =
    `${dash.unit.name}目前共有党员 ${num(f.members)} 人，其中正式党员 ${num(f.full)} 人、预备党员 ${num(f.probationary)} 人。` +
    `${period}有学习或积分记录的党员 ${num(f.active)} 人，占目前党员人数的 ${share}；阅读 ${num(f.reads)} 次，参加答题 ${num(f.quiz_participants)} 人，` +
    `获得积分 ${num(f.points)} 分，按目前党员人数人均 ${num(f.points_avg, 1)} 分。`;
  const rows = SUMMARY.filter(([key]) => f[key] !== undefined).map(([key, fallback]) => {
    const now = NOW_FIGURES.has(key);
    return {
      figure: now ? `${label(key, fallback)}（当前）` : key === 'points_avg' ? `${label(key, fallback)}（按目前党员人数）` : label(key, fallback),
      key,
      now: f[key],
      before: now ? null : p[key],
      change: now ? '—' : change(f[key], p[key]),
    };
  });
  const columns = [
    { key: 'figure', label: '指标' },
    { key: 'now', label: '本期', number: true, text: (row) => num(row.now, DIGITS[row.key]) },
    { key: 'before', label: prevLabel, number: true, text: (row) => num(row.before, DIGITS[row.key]) },
    { key: 'change', label: '变化' },
  ];
  const exportPath = unitPath(`/dashboard?period=${encodeURIComponent(state.period)}`);
  $('cr-summary-box').replaceChildren(tableBox(table(columns, rows, { id: 'cr-summary', caption: '总体情况与上期对比' }), exportPath, { fallbackName: 'report.xlsx' }));
  const bands = f.points_bands || [];
  const one = figure('cr-bands-fig', '本期积分分布', '党员本期积分分布柱状图', 240);
  const two = figure('cr-versus-fig', '主要指标与上期对比', '主要指标与上期对比条形图', 240);
  $('cr-summary-grid').replaceChildren(one.box, two.box);
  barColumns(one.chart, bands.map((b) => b.label), [{ name: '人数', data: bands.map((b) => b.count) }]);
  one.data.append(tableBox(table([{ key: 'label', label: '本期积分' }, { key: 'count', label: '人数', number: true }], bands, { id: 'cr-bands', caption: '本期积分分布' })));
  const keys = ['active', 'readers', 'quiz_participants'];
  barRows(two.chart, keys.map((k) => label(k)), [
    { name: '本期', data: keys.map((k) => f[k] || 0) },
    { name: prevLabel, data: keys.map((k) => p[k] || 0) },
  ]);
}

function renderCompare(dash) {
  const children = dash.children || [];
  $('cr-compare-note').hidden = children.length > 0;
  if (!children.length) return;
  const keys = ['members', 'full', 'probationary', 'active', 'reads', 'quiz_participants', 'quiz_avg_score', 'points', 'points_avg', 'data_quality'].filter((k) =>
    children.some((c) => c.figures[k] !== undefined),
  );
  const columns = [{ key: 'name', label: '单位' }, ...keys.map((key) => ({ key, label: label(key), number: true, digits: DIGITS[key] }))];
  const rows = children.map((c) => ({ name: c.name, ...c.figures }));
  const exportPath = unitPath(`/dashboard?period=${encodeURIComponent(state.period)}`);
  $('cr-compare-box').replaceChildren(tableBox(table(columns, rows, { id: 'cr-compare', caption: '下级单位比较' }), exportPath, { fallbackName: 'units.xlsx' }));
  const names = children.map((c) => c.name);
  const one = figure('cr-points-fig', `各单位${label('points_avg')}`, `各单位${label('points_avg')}条形图`);
  const two = figure('cr-status-fig', '各单位正式党员与预备党员', '正式党员与预备党员堆积条形图');
  $('cr-compare-grid').replaceChildren(one.box, two.box);
  barRows(one.chart, names, [{ name: label('points_avg'), data: children.map((c) => c.figures.points_avg || 0) }]);
  barRows(two.chart, names, [
    { name: '正式党员', stack: 'm', data: children.map((c) => c.figures.full || 0) },
    { name: '预备党员', stack: 'm', data: children.map((c) => c.figures.probationary || 0) },
  ]);
}

function renderTrend(series, kind) {
  const grid = $('cr-trend-grid');
  if (!series) {
    grid.replaceChildren(el('p', 'console-hint', '变化趋势暂不可用。'));
    return;
  }
  Object.assign(state.labels, series.figure_labels || {});
  const labels = series.periods.map((p) => p.label || periodLabel(p.key));
  // On the axis without the year when all share it (the table keeps the whole label).
  const axis = shortLabels(labels);
  const word = { week: '各周', month: '各月', quarter: '各季度', year: '各年' }[kind];
  const keys = ['active', 'points', 'readers', 'quiz_participants'];
  const one = figure('cr-trend-fig', `${word}活跃与学习人数`, `${word}活跃与学习人数折线图`);
  const two = figure('cr-trend-points-fig', `${word}积分`, `${word}积分折线图`);
  grid.replaceChildren(one.box, two.box);
  lines(one.chart, axis, ['active', 'readers', 'quiz_participants'].map((k) => ({ name: label(k), data: series.periods.map((p) => p.figures[k]) })));
  lines(two.chart, axis, [{ name: label('points'), data: series.periods.map((p) => p.figures.points) }]);
  const columns = [{ key: 'period', label: '统计周期' }, ...keys.map((key) => ({ key, label: label(key), number: true }))];
  const rows = series.periods.map((p, i) => ({ period: labels[i], ...p.figures }));
  const path = unitPath(`/series?${new URLSearchParams({ kind, year: state.period.slice(0, 4) })}`);
  one.data.append(tableBox(table(columns, rows, { id: 'cr-trend', caption: `${word}变化` }), path, { fallbackName: 'series.xlsx' }));
}

function renderStructure(structure) {
  const grid = $('cr-structure-grid');
  if (!structure) {
    grid.replaceChildren(el('p', 'console-hint', '党员结构暂不可用。'));
    return;
  }
  $('cr-structure-total').textContent = `党员 ${num(structure.total)} 人。`;
  grid.replaceChildren();
  for (const dim of structure.dimensions) {
    const one = figure(`cr-structure-${dim.key}`, dim.label, `${dim.label}条形图`);
    grid.append(one.box);
    barRows(one.chart, dim.bands.map((b) => b.label), [{ name: '人数', data: dim.bands.map((b) => b.count) }]);
    const rows = dim.bands.map((b) => ({ ...b, share: structure.total ? `${((100 * b.count) / structure.total).toFixed(1)}%` : '—' }));
    one.data.append(
      tableBox(table([{ key: 'label', label: dim.label }, { key: 'count', label: '人数', number: true }, { key: 'share', label: '占比' }], rows, { caption: dim.label })),
    );
  }
}

for (const button of document.querySelectorAll('[data-period-kind]')) {
  button.addEventListener('click', () => {
    location.assign(here({ unit: state.unit, period: switchPeriod(button.dataset.periodKind, state.period) }));
  });
}
$('cr-print').addEventListener('click', () => window.print());
// Charts at the print width while printing (the dialog's preview included), as on screen after.
window.addEventListener('beforeprint', () => resizeAll(PRINT_WIDTH));
window.addEventListener('afterprint', () => resizeAll());

start().catch((error) => refuse(error));
