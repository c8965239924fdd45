// 积分排名: my branch, branches of my committee (average per member), the organisation's top N,
// and the monthly 红黑榜. Boards are precomputed every 10 minutes; the page reads one each.
import { api, requireLogin } from './api.js';
import { starsText } from './charts.js';

requireLogin(); // a login that ended goes to login and back here (api.js)

const $ = (id) => document.getElementById(id);
let me = null;
let current = 'branch';

function period() {
  const now = new Date();
  const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  return $('board-period').value === 'year' ? String(now.getFullYear()) : month;
}

function row(rank, name, detail, value, stars) {
  const item = document.createElement('div');
  item.className = 'cell board-row';
  const r = document.createElement('span');
  r.className = `board-rank${rank <= 3 ? ' is-top' : ''}`;
  r.textContent = String(rank);
  const who = document.createElement('span');
  who.className = 'cell-bd';
  who.textContent = name;
  if (detail) {
    const small = document.createElement('small');
    small.textContent = ` ${detail}`;
    who.append(small);
  }
  const right = document.createElement('span');
  right.className = 'cell-ft';
  right.textContent = stars ? `${value} · ${starsText(stars)}` : String(value);
  item.append(r, who, right);
  return item;
}

function committeeId() {
  const unit = (me.branch_path || []).filter((u) => u.kind === 'committee').pop();
  return unit ? unit.id : null;
}

async function show(kind) {
  current = kind;
  for (const tab of document.querySelectorAll('[data-board]')) {
    tab.classList.toggle('is-active', tab.dataset.board === kind);
  }
  const list = $('board-list');
  const note = $('board-note');
  list.replaceChildren();
  $('board-empty').hidden = true;
  note.textContent = '加载中…';
  const p = period();
  let path;
  if (kind === 'branch') path = `/api/boards/branch/${me.branch.id}?period=${p}`;
  else if (kind === 'committee') path = `/api/boards/committee/${committeeId()}?period=${p}`;
  else if (kind === 'org') path = `/api/boards/org?period=${p}`;
  else path = `/api/boards/redblack?period=${p.length === 4 ? `${p}-${String(new Date().getMonth() + 1).padStart(2, '0')}` : p}`;
  let board;
  try {
    board = await api(path);
  } catch (error) {
    note.textContent = error.message;
    if (error.status === 404) $('board-tabs').hidden = true;
    return;
  }
  note.textContent = board.computed_at
    ? `更新于 ${new Date(board.computed_at * 1000).toLocaleString('zh-CN', { hour12: false })}`
    : '排名每 10 分钟更新一次，稍后再来看看';
  if (kind === 'redblack') {
    const red = document.createElement('h3');
    red.className = 'cells-title board-red';
    red.textContent = '红榜（人均积分最高）';
    list.append(red, ...board.red.map((e) => row(e.rank, e.name, `${e.members} 人`, e.points)));
    if (!board.red.length) list.append(emptyLine('本月还没有支部获得积分。'));
    const black = document.createElement('h3');
    black.className = 'cells-title board-black';
    black.textContent = '黑榜（人均积分最低）';
    list.append(black, ...board.black.map((e) => row(e.rank, e.name, `${e.members} 人`, e.points)));
    if (!board.black.length) list.append(emptyLine('本月没有黑榜：各支部积分相近。'));
    return;
  }
  for (const e of board.entries) {
    const detail = kind === 'committee' ? `${e.members} 人 · 人均` : kind === 'org' ? e.branch : '';
    list.append(row(e.rank, e.name, detail, e.points, e.stars));
  }
  $('board-empty').hidden = board.entries.length > 0;
}

function emptyLine(text) {
  const p = document.createElement('p');
  p.className = 'board-empty';
  p.textContent = text;
  return p;
}

async function main() {
  try {
    me = await api('/api/me');
  } catch (error) {
    if (error.status === 401) {
      location.replace('/login.html?next=/boards.html');
      return;
    }
    $('board-note').textContent = error.message;
    return;
  }
  if (!committeeId()) document.querySelector('[data-board="committee"]').hidden = true;
  for (const tab of document.querySelectorAll('[data-board]')) {
    tab.addEventListener('click', () => show(tab.dataset.board));
  }
  $('board-period').addEventListener('change', () => show(current));
  await show('branch');
}

main();
