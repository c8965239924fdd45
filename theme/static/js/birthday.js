// 政治生日 (/birthday.html): on the anniversary of joining, her card — as text, and drawn on a
// canvas into a PNG shown as an <img>, so that a long press in WeChat sends or saves it; on other
// days, when her next political birthday is; for staff, the month's anniversaries of the units
// their roles reach (10, 20, 30 … years marked). Signed out, the page keeps its 请先登录.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const W = 750;
const H = 1000;
const FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif';

// "2016-07-01" -> "2016年7月1日"
function cnDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

// Lines of `text` no wider than `width` at the context's font (Chinese breaks anywhere).
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const ch of text) {
    if (line && ctx.measureText(line + ch).width > width) {
      lines.push(line);
      line = '';
    }
    line += ch;
  }
  if (line) lines.push(line);
  return lines;
}

// The card as a picture: 750×1000, text at least 32 px (1.3× that in 大字模式), so it stays
// legible shown at a phone's width and when forwarded.
function draw(card) {
  const k = document.documentElement.classList.contains('large-text') ? 1.3 : 1;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  const bg = ctx.createLinearGradient(0, 0, 0, H);
  bg.addColorStop(0, '#d42a26');
  bg.addColorStop(1, '#a51117');
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = '#f5c55b';
  ctx.lineWidth = 6;
  ctx.strokeRect(28, 28, W - 56, H - 56);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  const text = (value, size, y, colour, weight = 'normal') => {
    ctx.font = `${weight} ${Math.round(size * k)}px ${FONT}`;
    ctx.fillStyle = colour;
    ctx.fillText(value, W / 2, y, W - 120);
  };
  text('政治生日快乐', 56, 150, '#ffe9b8', 'bold');
  text(`${card.name}同志`, 48, 250, '#fff', 'bold');
  text(String(card.years), 150, 450, '#ffe9b8', 'bold');
  text('入党周年', 40, 520, '#fff');
  text(`入党日期：${cnDate(card.joined_on)}`, 34, 610, '#fff');
  ctx.font = `${Math.round(36 * k)}px ${FONT}`;
  let y = 700;
  for (const line of wrap(ctx, card.line, W - 140).slice(0, 4)) {
    text(line, 36, y, '#fff');
    y += Math.round(52 * k);
  }
  text(card.organisation, 32, H - 130, '#ffe9b8');
  text(cnDate(card.today), 32, H - 80, '#ffe9b8');
  return canvas.toDataURL('image/png');
}

function showDay(card) {
  $('bd-name').textContent = card.name;
  $('bd-years').textContent = String(card.years);
  $('bd-joined').textContent = cnDate(card.joined_on);
  $('bd-line').textContent = card.line;
  $('bd-org').textContent = card.organisation;
  $('bd-points').textContent = card.awarded
    ? `今年的政治生日积分 ${card.points} 分（红能量）已计入`
    : `今天登录即可获得政治生日积分 ${card.points} 分（红能量）`;
  $('bd-day').hidden = false;
  const image = $('bd-image');
  image.alt = `政治生日贺卡：${card.name}同志，${cnDate(card.joined_on)}入党，入党${card.years}周年`;
  try {
    image.src = draw(card);
    image.hidden = false;
  } catch {
    // No canvas (a very old browser): the card above says it all.
  }
}

function showOther(card) {
  $('bd-other').hidden = false;
  if (!card.joined_on) {
    $('bd-o-joined').textContent = '未登记';
    $('bd-o-next').textContent = '—';
    $('bd-o-note').textContent = '登记入党日期后，政治生日当天这里会有您的贺卡。请联系支部核对党员信息。';
    return;
  }
  $('bd-o-joined').textContent = cnDate(card.joined_on);
  if (card.next) {
    $('bd-o-next').textContent = `${cnDate(card.next.date)}（入党 ${card.next.years} 周年）`;
    $('bd-o-note').textContent = `还有 ${card.next.days} 天。政治生日当天，这里会有您的贺卡。`;
  }
}

// --- staff: the month's anniversaries ------------------------------------------------------

let month = '';

function shiftMonth(iso, by) {
  const [y, m] = iso.split('-').map(Number);
  const n = y * 12 + (m - 1) + by;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

function staffRow(row) {
  const li = el('li', 'bd-row');
  li.append(el('span', 'bd-row-name', row.name));
  if (row.round) li.append(el('span', 'bd-round', `${row.years} 周年`));
  const [, m, d] = row.date.split('-').map(Number);
  li.append(el('span', 'bd-row-meta', `${m}月${d}日 · 入党 ${row.years} 年 · ${row.branch.name}`));
  return li;
}

async function loadMonth() {
  const [y, m] = month.split('-').map(Number);
  $('bd-month').textContent = `${y}年${m}月`;
  const list = $('bd-list');
  list.setAttribute('aria-busy', 'true');
  hideError($('bd-staff-error'));
  try {
    const unit = encodeURIComponent($('bd-unit').value);
    const answer = await api(`/api/units/${unit}/anniversaries?month=${month}`);
    list.replaceChildren(...answer.members.map(staffRow));
    $('bd-empty').hidden = answer.members.length > 0;
  } catch (error) {
    list.replaceChildren();
    showError($('bd-staff-error'), `本月政治生日暂时无法显示：${error.message}`);
  }
  list.setAttribute('aria-busy', 'false');
}

async function showStaff(today) {
  const me = await api('/api/me');
  const units = new Map();
  for (const role of me.roles || []) {
    if (role.unit && role.unit.id) units.set(role.unit.id, role.unit.name);
  }
  if (!units.size) return;
  const select = $('bd-unit');
  for (const [id, name] of units) select.append(new Option(name, id));
  $('bd-staff').hidden = false;
  month = today.slice(0, 7);
  select.addEventListener('change', loadMonth);
  $('bd-prev').addEventListener('click', () => {
    month = shiftMonth(month, -1);
    loadMonth();
  });
  $('bd-next').addEventListener('click', () => {
    month = shiftMonth(month, 1);
    loadMonth();
  });
  await loadMonth();
}

function signedOut() {
  for (const id of ['bd-day', 'bd-other', 'bd-staff']) $(id).hidden = true;
  $('bd-login').hidden = false;
}

async function main() {
  if (!isSignedIn()) return; // the page as built: 请先登录
  $('bd-login').hidden = true;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  try {
    const card = await api('/api/me/birthday');
    if (card.is_birthday) showDay(card);
    else showOther(card);
    await showStaff(card.today);
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('bd-error'), `政治生日暂时无法显示：${error.message}`);
  }
}

main();
