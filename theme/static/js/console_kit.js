// What the 党务工作台's pages share (no charts here: console_charts.js loads ECharts): the period
// keys the console API takes, tables built from column lists, the XLSX download of a table's
// route, and the error line. Text from the API is set with textContent only.
import { getToken, refresh } from './api.js';
import { el, saveFile } from './dom.js';

export const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const UNIT_ID = /^[0-9A-Za-z_-]{1,32}$/;
export const MEMBER_NO = /^[0-9A-Za-z_-]{1,32}$/;

// --- periods: "2026-W48" | "2026-11" | "2026-Q4" | "2026" -----------------------------------

export const PERIOD_KINDS = [
  ['week', '周'],
  ['month', '月'],
  ['quarter', '季度'],
  ['year', '年'],
];

const PATTERNS = {
  week: /^(\d{4})-W(\d{2})$/,
  month: /^(\d{4})-(\d{2})$/,
  quarter: /^(\d{4})-Q([1-4])$/,
  year: /^(\d{4})$/,
};

export function periodKind(key) {
  return Object.keys(PATTERNS).find((kind) => PATTERNS[kind].test(key || '')) || null;
}

// The organisation's day (Beijing) as a UTC date at midnight.
export function today() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export function parseDay(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function isoWeek(date) {
  const day = (date.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(date.getTime() + (3 - day) * 86400000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86400000)) + 1;
  return [year, week];
}

// Whether the API keeps figures for the period `key`: this year's and last year's (the year its
// key names), none that has not begun. A stepper link to any other would open an error.
export function kept(key) {
  const year = Number(key.slice(0, 4));
  const now = today();
  return year >= now.getUTCFullYear() - 1 && year <= now.getUTCFullYear() && periodStart(key) <= now;
}

// The period of `kind` to show when the reader switches kind at period `key`: the one holding
// its first day within its own year (a week may begin in December), or today if sooner; the
// next one when that one is not kept (1 January in last year's week 53).
export function switchPeriod(kind, key) {
  const jan1 = new Date(Date.UTC(Number(key.slice(0, 4)), 0, 1));
  let day = periodStart(key) < jan1 ? jan1 : periodStart(key);
  if (day > today()) day = today();
  const found = periodKey(kind, day);
  return kept(found) || !kept(shiftPeriod(found, 1)) ? found : shiftPeriod(found, 1);
}

// The key of the period of `kind` that holds `date`.
export function periodKey(kind, date) {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  if (kind === 'week') {
    const [wy, w] = isoWeek(date);
    return `${wy}-W${String(w).padStart(2, '0')}`;
  }
  if (kind === 'month') return `${y}-${String(m).padStart(2, '0')}`;
  if (kind === 'quarter') return `${y}-Q${Math.ceil(m / 3)}`;
  return String(y);
}

// The first day of a period.
export function periodStart(key) {
  const kind = periodKind(key);
  const match = key.match(PATTERNS[kind]);
  const y = Number(match[1]);
  if (kind === 'week') {
    const jan4 = new Date(Date.UTC(y, 0, 4));
    const monday = jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86400000;
    return new Date(monday + (Number(match[2]) - 1) * 7 * 86400000);
  }
  if (kind === 'month') return new Date(Date.UTC(y, Number(match[2]) - 1, 1));
  if (kind === 'quarter') return new Date(Date.UTC(y, (Number(match[2]) - 1) * 3, 1));
  return new Date(Date.UTC(y, 0, 1));
}

// The period `n` steps after `key` (before it for a negative n).
export function shiftPeriod(key, n) {
  const kind = periodKind(key);
  const start = periodStart(key);
  if (kind === 'week') return periodKey('week', new Date(start.getTime() + n * 7 * 86400000));
  const months = { month: 1, quarter: 3, year: 12 }[kind] * n;
  return periodKey(kind, new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1)));
}

export function periodLabel(key) {
  const kind = periodKind(key);
  const match = key.match(PATTERNS[kind]);
  if (kind === 'week') return `${match[1]}年第${Number(match[2])}周`;
  if (kind === 'month') return `${match[1]}年${Number(match[2])}月`;
  if (kind === 'quarter') return `${match[1]}年第${'一二三四'[Number(match[2]) - 1]}季度`;
  return `${match[1]}年`;
}

// Period labels without their year when all share one ("2026年11月" -> "11月"), for an axis.
export function shortLabels(labels) {
  const years = new Set(labels.map((text) => (text.match(/^(\d{4})年/) || [])[1]));
  if (years.size !== 1 || years.has(undefined)) return labels;
  return labels.map((text) => text.replace(/^\d{4}年/, '') || text);
}

// --- figures: their labels when the API gives none, and their decimals ---------------------

export const FIGURE_LABELS = {
  members: '党员人数',
  full: '正式党员',
  probationary: '预备党员',
  active_week: '本周活跃',
  active_month: '本月活跃',
  active: '本期活跃',
  reads: '阅读次数',
  readers: '阅读人数',
  constitution_reads: '党章学习次数',
  constitution_progress: '党章人均进度',
  quiz_participants: '答题人数',
  quiz_avg_score: '答题平均分',
  points: '积分',
  points_avg: '人均积分',
  comments: '评论',
  votes: '投票',
  data_quality: '数据问题',
};
// The figures the API gives as they are now (the registry today, 党章 progress and quiz scores
// to date), the same for every period: never shown as a past period's nor compared with one.
export const NOW_FIGURES = new Set(['members', 'full', 'probationary', 'active_week', 'active_month', 'constitution_progress', 'quiz_avg_score', 'data_quality']);

// Whether `key` is the period holding today.
export function isCurrent(key) {
  return periodStart(key) <= today() && periodStart(shiftPeriod(key, 1)) > today();
}

export const FIGURE_DIGITS = { constitution_progress: 1, quiz_avg_score: 1, points_avg: 1 };

// --- numbers and tables ---------------------------------------------------------------------

export function num(value, digits = 0) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return digits ? n.toFixed(digits) : String(Math.round(n * 100) / 100);
}

// A table from columns [{key, label, digits?, href?(row), text?(row)}] and rows of objects; each
// cell carries its key (data-key) so a test or a print reads the figure it shows.
export function table(columns, rows, { id, caption } = {}) {
  const t = el('table', 'console-table');
  if (id) t.id = id;
  if (caption) t.append(el('caption', 'sr-only', caption));
  const head = el('tr');
  const numeric = (column) => column.digits !== undefined || Boolean(column.number);
  for (const column of columns) {
    const th = el('th', numeric(column) ? 'num' : '', column.label);
    th.scope = 'col';
    head.append(th);
  }
  t.append(el('thead'));
  t.tHead.append(head);
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    columns.forEach((column, i) => {
      const isNumber = numeric(column);
      const raw = row[column.key];
      const text = column.text ? column.text(row) : isNumber ? num(raw, column.digits) : raw === null || raw === undefined ? '' : raw;
      const cell = el(i === 0 ? 'th' : 'td', isNumber ? 'num' : '');
      if (i === 0) cell.scope = 'row';
      cell.dataset.key = column.key;
      const href = column.href && column.href(row);
      if (href) {
        const link = el('a', 'console-link', String(text));
        link.href = href;
        cell.append(link);
        cell.classList.add('has-link');
      } else {
        cell.textContent = String(text);
      }
      tr.append(cell);
    });
    body.append(tr);
  }
  t.append(body);
  return t;
}

// A table in its own scrolling box, with an 导出 Excel button for `exportPath` (the route that
// answers ?format=xlsx) above it.
export function tableBox(tableEl, exportPath, { fallbackName = '导出.xlsx', errorArea } = {}) {
  const box = el('div', 'console-table-box');
  if (exportPath) {
    const bar = el('div', 'console-toolbar no-print');
    const button = el('button', 'btn btn-mini btn-default console-export', '导出 Excel');
    button.type = 'button';
    button.dataset.path = exportPath;
    button.addEventListener('click', () => downloadXlsx(exportPath, button, { fallbackName, errorArea }));
    bar.append(button);
    box.append(bar);
  }
  const scroll = el('div', 'console-table-wrap');
  scroll.tabIndex = 0; // a keyboard can scroll a wide table
  scroll.setAttribute('role', 'region');
  const caption = tableEl.querySelector('caption');
  scroll.setAttribute('aria-label', caption ? caption.textContent : '表格');
  scroll.append(tableEl);
  box.append(scroll);
  return box;
}

// --- XLSX downloads -------------------------------------------------------------------------

function fileName(response, fallback) {
  const header = response.headers.get('Content-Disposition') || '';
  const star = header.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // a malformed name: the plain one below
    }
  }
  const plain = header.match(/filename="([^"]+)"/i);
  return plain ? plain[1] : fallback;
}

function withFormat(path) {
  return `${path}${path.includes('?') ? '&' : '?'}format=xlsx`;
}

export async function fetchWorkbook(path, fallbackName = '导出.xlsx') {
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await fetch(withFormat(path), {
      headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
      credentials: 'same-origin',
    });
    if (response.status === 401 && attempt === 0 && (await refresh())) continue;
    if (!response.ok) {
      let message = `导出失败（${response.status}）`;
      try {
        message = (await response.json()).Message || message;
      } catch {
        // not JSON: the status says it
      }
      throw new Error(message);
    }
    return { blob: await response.blob(), name: fileName(response, fallbackName) };
  }
  throw new Error('登录已过期，请重新登录');
}

export async function downloadXlsx(path, button, { fallbackName, errorArea } = {}) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = '正在导出…';
  try {
    const { blob, name } = await fetchWorkbook(path, fallbackName);
    saveFile(blob, name);
    const inWeChat = /MicroMessenger/i.test(navigator.userAgent);
    const message = inWeChat ? '如未开始下载，请点右上角“…”选择在浏览器中打开后再下载' : '已开始下载';
    import('./toast.js').then((m) => m.toast(message, { icon: !inWeChat })).catch(() => {});
  } catch (error) {
    showError(errorArea, error.message);
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

// --- errors ---------------------------------------------------------------------------------

export function showError(area, message) {
  const target = area || $('console-error');
  if (!target) return;
  target.textContent = message;
  target.hidden = !message;
  if (message) target.scrollIntoView({ block: 'nearest' });
}

// The API's message in Chinese for a refusal (403: 仅党务工作人员可使用工作台 / 无权查看该单位).
export function refusal(error) {
  if (error.status === 403 || error.status === 404) return error.message || '无权查看该单位';
  return error.message || '加载失败，请稍后重试';
}
