// Small inline-SVG charts for phones: no library.
const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text = '') {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

// Vertical bars, one per {label, value}; the value above each bar, the label below. One SVG unit
// is one CSS pixel (the chart is drawn for its box's width, again when that changes), so the
// labels have the size the type scale gives the box (.chart-box: 12 px, 15.6 px in large text).
// Labels or values that would touch are shown only every n-th; the aria-label has them all.
const drawn = new Map();

export function barChart(container, rows, options = {}) {
  if (!drawn.size) window.addEventListener('resize', redraw);
  drawn.set(container, [rows, options]);
  draw(container, rows, options);
}

function redraw() {
  for (const [container, [rows, options]] of drawn) {
    if (!container.isConnected) drawn.delete(container);
    else if (container.clientWidth !== container.drawnWidth || fontOf(container) !== container.drawnFont) {
      draw(container, rows, options);
    }
  }
}

// Wide enough for a label: Han characters are 1 em, digits and Latin letters at most 0.65 em.
function textWidth(text, font) {
  let em = 0;
  for (const ch of String(text)) em += ch.charCodeAt(0) > 0x2e80 ? 1 : 0.65;
  return em * font;
}

function fontOf(container) {
  return parseFloat(getComputedStyle(container).fontSize) || 12;
}

function every(texts, font, step) {
  const widest = Math.max(0, ...texts.map((t) => textWidth(t, font)));
  return Math.max(1, Math.ceil((widest + font / 2) / step));
}

function draw(container, rows, { height = 140 } = {}) {
  const width = Math.round(container.clientWidth) || 340;
  container.drawnWidth = container.clientWidth;
  const font = fontOf(container);
  container.drawnFont = font;
  const top = font + 6;
  const bottom = font + 8;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const step = width / Math.max(1, rows.length);
  const barWidth = Math.max(6, step * 0.6);
  const labelEvery = every(rows.map((r) => r.label), font, step);
  const valueEvery = every(rows.map((r) => r.value), font, step);
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: 'chart',
    role: 'img',
    'aria-label': rows.map((r) => `${r.label} ${r.value}`).join('，'),
  });
  rows.forEach((row, i) => {
    const h = ((height - top - bottom) * row.value) / max;
    const x = i * step + (step - barWidth) / 2;
    const y = height - bottom - h;
    svg.append(el('rect', { x, y, width: barWidth, height: Math.max(h, 1), rx: 2, class: 'chart-bar' }));
    const last = rows.length - 1 - i;
    if (row.value && last % valueEvery === 0) {
      svg.append(el('text', { x: x + barWidth / 2, y: y - 4, class: 'chart-value' }, String(row.value)));
    }
    if (last % labelEvery === 0) {
      // Centred under its bar, but inside the chart: the last label is wider than its bar.
      const half = textWidth(row.label, font) / 2 + 2;
      const centre = Math.min(Math.max(x + barWidth / 2, half), width - half);
      svg.append(el('text', { x: centre, y: height - 6, class: 'chart-label' }, row.label));
    }
  });
  container.replaceChildren(svg);
}

// Horizontal bars with a label and a value: the activity mix.
export function mixBars(container, rows) {
  const total = rows.reduce((sum, r) => sum + Math.max(0, r.value), 0);
  const list = document.createElement('div');
  list.className = 'mix';
  for (const row of rows) {
    const share = total ? Math.round((100 * Math.max(0, row.value)) / total) : 0;
    const item = document.createElement('div');
    item.className = 'mix-row';
    const label = document.createElement('span');
    label.className = 'mix-label';
    label.textContent = row.label;
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${share}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'mix-value';
    value.textContent = `${row.value} 分 · ${share}%`;
    item.append(label, bar, value);
    list.append(item);
  }
  container.replaceChildren(list);
}

export function starsText(count) {
  return '★'.repeat(count) + '☆'.repeat(Math.max(0, 5 - count));
}
