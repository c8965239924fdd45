// Small inline-SVG charts for phones: no library.
const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text = '') {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

// Vertical bars, one per {label, value}; the value above each bar, the label below.
export function barChart(container, rows, { height = 140 } = {}) {
  const width = 340;
  const top = 16;
  const bottom = 20;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const step = width / Math.max(1, rows.length);
  const barWidth = Math.max(6, step * 0.6);
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart',
    role: 'img',
    'aria-label': rows.map((r) => `${r.label} ${r.value}`).join('，'),
  });
  rows.forEach((row, i) => {
    const h = ((height - top - bottom) * row.value) / max;
    const x = i * step + (step - barWidth) / 2;
    const y = height - bottom - h;
    svg.append(el('rect', { x, y, width: barWidth, height: Math.max(h, 1), rx: 2, class: 'chart-bar' }));
    if (row.value) {
      svg.append(el('text', { x: x + barWidth / 2, y: y - 4, class: 'chart-value' }, String(row.value)));
    }
    svg.append(el('text', { x: x + barWidth / 2, y: height - 5, class: 'chart-label' }, row.label));
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
