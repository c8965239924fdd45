// 我的数据 (/my-data.html): everything the platform keeps about her (GET /api/me/data), one
// section per kind of record with the labels the server sends, and the same JSON as a file.
// Member text is set as text, never parsed as HTML. Signed out, the page keeps its 请先登录.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const SHOWN = 30; // rows a section shows; the file holds all

// Epoch seconds (or ms) as Beijing time "2026-12-02 18:30"; other numbers as they are.
function timeText(value) {
  const ms = value > 1e11 ? value : value * 1000;
  const d = new Date(ms + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

function text(value) {
  if (value === true) return '是';
  if (value === false) return '否';
  if (typeof value === 'number') return value > 1e9 && value < 1e13 ? timeText(value) : String(value);
  if (Array.isArray(value)) return value.map(text).join('、');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}：${text(v)}`)
      .join('；');
  }
  return value === null || value === undefined ? '' : String(value);
}

function section(s) {
  const box = el('section', 'md-section');
  const title = el('h2', 'cells-title', `${s.label}（${s.total === undefined ? s.items.length : s.total}）`);
  box.append(title);
  if (s.note) box.append(el('p', 'md-more', s.note)); // what the server left out, and where it is
  for (const item of s.items.slice(0, SHOWN)) {
    const dl = el('dl', 'md-item');
    for (const [name, value] of Object.entries(item)) {
      const row = el('div', 'md-row');
      row.append(el('dt', 'md-key', s.fields[name] || name), el('dd', 'md-value', text(value)));
      dl.append(row);
    }
    box.append(dl);
  }
  if (s.items.length > SHOWN) {
    box.append(el('p', 'md-more', `另有 ${s.items.length - SHOWN} 条，见下载的文件。`));
  }
  return box;
}

// Why each kind of record is kept and for how long (the map's, sent with the data).
function purposes(list) {
  const box = el('section', 'md-purposes'); // not a .md-section: none of her records
  box.id = 'md-purposes';
  box.append(el('h2', 'cells-title', '用途和保存期限'));
  for (const p of list) {
    const dl = el('dl', 'md-item');
    for (const [key, value] of [['类别', p.label], ['用途', p.purpose], ['保存期限', p.keep]]) {
      const row = el('div', 'md-prow'); // styled as .md-row, not one of her records
      row.append(el('dt', 'md-key', key), el('dd', 'md-value', value));
      dl.append(row);
    }
    box.append(dl);
  }
  return box;
}

function offerFile(data) {
  const button = $('md-download');
  button.disabled = false;
  button.addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' });
    saveFile(blob, `我的数据-${new Date().toISOString().slice(0, 10)}.json`);
  });
}

function signedOut() {
  $('md-main').hidden = true;
  $('md-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('md-login').hidden = true;
  $('md-main').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  const list = $('md-sections');
  try {
    const data = await api('/api/me/data');
    hideError($('md-error'));
    const notes = (data.notes || []).map((n) => el('p', 'md-more md-note', n));
    list.replaceChildren(...notes, ...data.sections.map(section), purposes(data.purposes || []));
    const rows = data.sections.reduce((n, s) => n + s.items.length, 0);
    $('md-status').textContent = `共 ${data.sections.length} 类、${rows} 条记录`;
    offerFile(data);
  } catch (error) {
    if (error.status === 401) {
      signedOut();
      return;
    }
    $('md-status').textContent = '';
    showError($('md-error'), `我的数据暂时无法显示：${error.message}`);
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

main();
