// The console's charts: Apache ECharts (our custom build, theme/static/vendor/echarts.js, made by
// plugins/echarts_bundle: bar and line, SVG renderer) — only console pages import this module.
// Every chart is drawn without animation (what prints is what is on screen) and sits beside a
// table of the same figures (console_kit.table), which screen readers and the print read.
import { getInstanceByDom, init } from '../vendor/echarts.js';
import { el } from './dom.js';

export const COLORS = ['#c8161d', '#4a5d85', '#e09a2b', '#07a35a', '#8e5bb5', '#2f8fb3', '#b5654a', '#6b7a2a'];

// How each chart was drawn, to draw it again when its text size changes (large text switched).
const drawings = new Map();

function remember(box, render) {
  drawings.set(box, { render, font: fontSize(box) });
}

function fontSize(box) {
  return parseFloat(getComputedStyle(box).fontSize) || 12;
}

// A chart box (role img, named by `label`) with its height.
export function chartBox(label, height = 280) {
  const box = el('div', 'console-chart');
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  box.style.height = `${height}px`;
  return box;
}

// Draw `option` into `box` (already in the document, so it has a width).
export function draw(box, option) {
  const size = fontSize(box);
  const chart = getInstanceByDom(box) || init(box, null, { renderer: 'svg' });
  chart.setOption(
    {
      animation: false,
      color: COLORS,
      textStyle: { fontSize: size, fontFamily: getComputedStyle(box).fontFamily },
      ...option,
      // Drawn inside the chart (richText), not as HTML: ECharts' HTML tooltip writes inline
      // style attributes, which the production CSP (style-src 'self') refuses.
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, ...option.tooltip, renderMode: 'richText' },
    },
    true,
  );
  return chart;
}

// Horizontal bars, one row per name (long Chinese unit names read on the axis); `series` is
// [{name, data, stack?}]. The box grows with the rows.
export function barRows(box, names, series, { legend = series.length > 1 } = {}) {
  remember(box, () => barRows(box, names, series, { legend }));
  const size = fontSize(box);
  // Each row holds its bars side by side (stacked bars count once), each with room for its label.
  const groups = series.some((s) => s.stack) ? 1 : series.length;
  const row = size * (1 + 1.5 * groups);
  box.style.height = `${Math.max(160, names.length * row + (legend ? 3 : 1.5) * size * 2)}px`;
  return draw(box, {
    legend: legend ? { top: 0, itemGap: size, textStyle: { fontSize: size } } : undefined,
    grid: { left: 4, right: size * 3, top: legend ? size * 2.5 : size, bottom: 4, containLabel: true },
    // Ticks far enough apart for their numbers at this text size (a phone, large text).
    xAxis: {
      type: 'value',
      minInterval: 1,
      splitNumber: Math.max(2, Math.floor((box.clientWidth || 300) / (size * 6))),
      axisLabel: { fontSize: size, hideOverlap: true },
    },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { fontSize: size } },
    series: series.map((s) => ({
      type: 'bar',
      barMaxWidth: size * 1.6,
      label: { show: !s.stack, position: 'right', fontSize: size },
      ...s,
    })),
  });
}

// Vertical bars over categories (a distribution).
export function barColumns(box, names, series) {
  remember(box, () => barColumns(box, names, series));
  const size = fontSize(box);
  return draw(box, {
    grid: { left: 4, right: 8, top: size * 2, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: names, axisLabel: { fontSize: size, hideOverlap: true } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: size } },
    series: series.map((s) => ({ type: 'bar', barMaxWidth: size * 3, label: { show: true, position: 'top', fontSize: size }, ...s })),
  });
}

// Lines over periods (纵向). The legend wraps (no scrolling pager on a phone): the plot starts
// below as many rows as the names take at this width.
export function lines(box, labels, series) {
  remember(box, () => lines(box, labels, series));
  const size = fontSize(box);
  const width = (box.clientWidth || 300) - 10; // the legend's padding
  let rows = 1;
  let used = 0;
  for (const s of series) {
    const item = 25 + 5 + String(s.name).length * size * 1.05 + 10; // icon, gap, text, item gap
    if (used && used + item > width) {
      rows += 1;
      used = 0;
    }
    used += item;
  }
  const legend = series.length > 1;
  return draw(box, {
    tooltip: { axisPointer: { type: 'line' } },
    legend: legend ? { top: 0, left: 0, right: 0, itemGap: 10, textStyle: { fontSize: size } } : undefined,
    grid: { left: 4, right: size * 3, top: legend ? rows * (size * 1.3 + 10) + 5 + size : size, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: labels, boundaryGap: false, axisLabel: { fontSize: size, hideOverlap: true } },
    yAxis: { type: 'value', axisLabel: { fontSize: size } },
    series: series.map((s, i) => ({ type: 'line', symbolSize: size * 0.5, lineStyle: { width: i ? 1.5 : 3 }, ...s })),
  });
}

// Charts follow their box: a window resize, the print layout (A4), the end of printing; one
// whose text size changed (large text) is drawn again with the new sizes.
export function resizeAll(width) {
  for (const [box, drawing] of drawings) {
    const chart = getInstanceByDom(box);
    if (!box.isConnected || !chart || chart.isDisposed()) {
      drawings.delete(box);
    } else if (!width && fontSize(box) !== drawing.font) {
      drawing.render();
    } else {
      chart.resize(width ? { width } : undefined);
    }
  }
}

window.addEventListener('resize', () => resizeAll());
new MutationObserver(() => resizeAll()).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
