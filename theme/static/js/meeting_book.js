// 三会一课记录本 (/meeting-book.html?unit=…&from=YYYY-MM&to=YYYY-MM): a unit's meetings of a period
// laid out as a paper 记录本, one sheet per meeting (date, kind, topic, host, recorder, who was
// there, who was away and why, minutes, decisions, corrections). 下载 Excel asks the same API for
// the workbook (its Accept names the type: a binary answer needs it) and saves it; 打印 / 存为 PDF
// is the browser's print (meeting_book.css lays it out on A4). Without `unit`: her own branch.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

let unit = '';
let book = null;

function monthsBack(month, n) {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function query() {
  const params = new URLSearchParams({ from: $('mb-from').value, to: $('mb-to').value });
  return params.toString();
}

function path(format) {
  const base = `/api/units/${encodeURIComponent(unit)}/meeting-book?${query()}`;
  return format ? `${base}&format=${format}` : base;
}

// One line of a meeting's sheet: a label and its value (text, or a list).
function line(table, label, value, className) {
  const tr = el('tr', className);
  const th = el('th', 'mb-label', label);
  th.scope = 'row';
  const td = el('td', 'mb-value');
  if (Array.isArray(value)) {
    if (value.length) {
      const list = el('ol', 'mb-list');
      for (const item of value) list.append(el('li', '', item));
      td.append(list);
    } else td.textContent = '无';
  } else td.textContent = value === null || value === undefined || value === '' ? '无' : String(value);
  tr.append(th, td);
  table.append(tr);
  return tr;
}

function correctionText(c) {
  const who = c.member ? `（${c.member}）` : '';
  const change = c.before || c.after ? `：${c.before || '空'} → ${c.after || '空'}` : '';
  // eslint-disable-next-line es-x/no-array-prototype-at, es-x/no-string-prototype-at -- c.at is a field (the time)
  const time = c.at;
  return `${time} ${c.by || ''} 更正${c.field_label}${who}${change}；原因：${c.reason}`;
}

function sheet(meeting, index) {
  const article = el('article', 'mb-meeting');
  article.id = `mb-${meeting.id}`;
  const table = el('table', 'mb-sheet');
  // The heading row repeats on each printed page a long record takes (thead).
  const head = el('thead');
  const headRow = el('tr');
  const headCell = el('th', 'mb-sheet-head');
  headCell.colSpan = 2;
  headCell.scope = 'col';
  headCell.append(
    el('span', 'mb-no', `第 ${index + 1} 次`),
    el('span', 'mb-kind', meeting.kind_label),
    el('span', 'mb-date', meeting.date),
    el('span', `mb-state${meeting.state === 'locked' ? '' : ' is-pending'}`, meeting.state_label),
  );
  headRow.append(headCell);
  head.append(headRow);
  const body = el('tbody');
  line(body, '会议主题', meeting.topic, 'mb-topic');
  line(body, '时间', `${meeting.date} ${meeting.time}`);
  line(body, '地点', meeting.place);
  line(body, '主持人', meeting.host);
  line(body, '记录人', meeting.recorder);
  line(body, '应到 / 实到', `应到 ${meeting.invited} 人，实到 ${meeting.present_count} 人`);
  line(body, '出席人员', meeting.present.join('、'));
  if (meeting.guests_present.length) line(body, '列席人员', meeting.guests_present.join('、'));
  line(body, '缺席及原因', meeting.absent.map((a) => `${a.name}（${a.reason}）`).join('；'));
  const minutes = line(body, '会议记录', meeting.state === 'locked' ? meeting.minutes : `（${meeting.state_label}）`);
  minutes.classList.add('mb-minutes');
  line(body, '会议决议', meeting.decisions);
  if (meeting.attachments.length || meeting.photos) {
    const files = [...meeting.attachments];
    if (meeting.photos) files.push(`照片 ${meeting.photos} 张`);
    line(body, '附件', files.join('、'));
  }
  if (meeting.locked_at) line(body, '归档', `${meeting.locked_by || ''} ${meeting.locked_at}`);
  if (meeting.corrections.length) line(body, '更正记录', meeting.corrections.map(correctionText), 'mb-corrections');
  table.append(head, body);
  article.append(table);
  return article;
}

function render(data) {
  book = data;
  $('mb-title').textContent = `${data.unit.name}三会一课记录本`;
  $('mb-sub').textContent = `${data.period.label} · 共 ${data.totals.meetings} 次会议，已归档 ${data.totals.recorded} 次 · 导出于 ${data.generated_at}`;
  const rows = $('mb-summary-body');
  rows.replaceChildren(
    ...data.totals.by_kind.map((k) => {
      const tr = el('tr');
      tr.append(el('td', '', k.label), el('td', 'mb-count', String(k.count)));
      return tr;
    }),
  );
  $('mb-summary').hidden = data.totals.by_kind.length === 0;
  $('mb-meetings').replaceChildren(...data.meetings.map(sheet));
  $('mb-empty').hidden = data.meetings.length > 0;
  $('mb-book').setAttribute('aria-busy', 'false');
  $('mb-xlsx').disabled = false;
  $('mb-print').disabled = false;
  document.title = `${data.unit.name}三会一课记录本（${data.period.label}）`;
}

async function load(remember = true) {
  hideError($('mb-error'));
  const from = $('mb-from').value;
  const to = $('mb-to').value;
  if (!MONTH.test(from) || !MONTH.test(to)) {
    showError($('mb-error'), '请选择起始月份和截止月份');
    return;
  }
  if (remember) history.replaceState(null, '', `${location.pathname}?unit=${encodeURIComponent(unit)}&${query()}`);
  $('mb-apply').disabled = true;
  $('mb-book').setAttribute('aria-busy', 'true');
  try {
    render(await api(path()));
  } catch (error) {
    $('mb-book').setAttribute('aria-busy', 'false');
    showError($('mb-error'), `记录本暂时无法显示：${error.message}`);
  } finally {
    $('mb-apply').disabled = false;
  }
}

// The workbook: fetched with her token (a link could not carry it), saved under the name the
// server gives (RFC 5987 filename*).
function fileName(response) {
  const header = response.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // a malformed name: the fallback below
    }
  }
  return book ? `${book.unit.name}三会一课记录.xlsx` : '三会一课记录.xlsx';
}

async function fetchWorkbook() {
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await fetch(path('xlsx'), {
      headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
      credentials: 'same-origin',
    });
    if (response.status === 401 && attempt === 0 && (await refresh())) continue;
    if (!response.ok) {
      let message = `下载失败（${response.status}）`;
      try {
        message = (await response.json()).Message || message;
      } catch {
        // not JSON: the status says it
      }
      throw new Error(message);
    }
    return { blob: await response.blob(), name: fileName(response) };
  }
  throw new Error('登录已过期，请重新登录');
}

async function download() {
  const button = $('mb-xlsx');
  button.disabled = true;
  hideError($('mb-error'));
  try {
    const { blob, name } = await fetchWorkbook();
    saveFile(blob, name);
    // WeChat's browser does not save files: say where it can be done.
    const inWeChat = /MicroMessenger/i.test(navigator.userAgent);
    const message = inWeChat ? '如未开始下载，请点右上角“…”选择在浏览器中打开后再下载' : '已开始下载';
    import('./toast.js').then((m) => m.toast(message, { icon: !inWeChat })).catch(() => {});
  } catch (error) {
    showError($('mb-error'), error.message);
  } finally {
    button.disabled = false;
  }
}

function signedOut() {
  $('mb').hidden = true;
  $('mb-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('mb-login').hidden = true;
  $('mb').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  const params = new URLSearchParams(location.search);
  unit = params.get('unit') || '';
  if (!unit) {
    try {
      unit = (await api('/api/me')).branch.id;
    } catch (error) {
      if (error.status === 401) signedOut();
      else showError($('mb-error'), `记录本暂时无法显示：${error.message}`);
      return;
    }
  }
  const now = new Date();
  const thisMonth = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const to = MONTH.test(params.get('to') || '') ? params.get('to') : thisMonth;
  const from = MONTH.test(params.get('from') || '') ? params.get('from') : monthsBack(to, 2);
  $('mb-from').value = from;
  $('mb-to').value = to;
  $('mb-form').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('mb-xlsx').addEventListener('click', download);
  $('mb-print').addEventListener('click', () => window.print());
  await load(false);
}

main();
