// Voting on a campaign page: a button per candidate ([data-candidate] inside #vote), the votes
// left, and the counts (or 结果将在投票结束后公布). The server decides everything: the voter comes
// from the token, and rules, window and units are checked there.
import { api, getToken, loginUrl, refresh } from './api.js';
import { el } from './dom.js';

const box = document.getElementById('vote');
const campaign = box ? box.dataset.campaign : '';
const base = `/api/campaigns/${encodeURIComponent(campaign)}`;
const place = `${location.pathname}${location.search}#vote`; // where login brings her back
let state = null;
let signedIn = false;

function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function status(message, isError = false) {
  const line = document.getElementById('vote-status');
  line.textContent = message;
  line.classList.toggle('is-error', isError);
}

function summary(data) {
  if (data.phase === 'before') return `投票将于 ${data.starts_at.replace('T', ' ').slice(0, 16)} 开始`;
  if (data.phase === 'closed') return '投票已结束';
  if (!signedIn) return '登录后参加投票';
  if (data.me && !data.me.eligible) {
    return `本次投票仅限${data.units.map((u) => u.name).join('、')}的党员参加`;
  }
  return left(data, data.me);
}

// What the member can still do: today's quota and the campaign's votes told apart, so a member
// with votes left for later days is never told she has none.
function left(data, me) {
  if (!me) return '';
  const campaignLeft = data.votes_per_member - me.total;
  if (campaignLeft <= 0) return '您在本次评选中的票已经投完，感谢参与';
  if (me.remaining > 0) return `您还可以投 ${me.remaining} 票`;
  return `今天的票已经投完，明天可以继续投票（本次评选还剩 ${campaignLeft} 票）`;
}

function render(data) {
  state = data;
  status(summary(data));
  const total = data.counts ? Object.values(data.counts).reduce((a, b) => a + b, 0) : 0;
  for (const item of box.querySelectorAll('[data-candidate]')) {
    const slug = item.dataset.candidate;
    let bar = item.querySelector('.vote-bar');
    if (!bar) {
      bar = el('div', 'vote-bar');
      item.append(bar);
    }
    bar.textContent = '';
    const count = el('span', 'vote-count');
    if (data.counts) {
      const n = data.counts[slug] || 0;
      count.textContent = `${n} 票`;
      const meter = el('span', 'vote-meter');
      meter.style.setProperty('--share', total ? `${Math.round((n / total) * 100)}%` : '0%');
      bar.append(meter);
    } else {
      count.textContent = '结果将在投票结束后公布';
    }
    const mine = data.me ? data.me.votes[slug] || 0 : 0;
    const button = el('button', 'btn btn-mini vote-button', mine ? `已投 ${mine} 票` : '投票');
    button.type = 'button';
    button.dataset.candidate = slug;
    const canVote = data.phase === 'open' && data.me && data.me.eligible && data.me.remaining > 0
      && mine < data.per_candidate;
    button.disabled = !canVote;
    if (!signedIn && data.phase === 'open') {
      const login = el('a', 'btn btn-mini vote-button', '登录投票');
      login.href = loginUrl(place);
      bar.append(count, login);
    } else {
      bar.append(count, button);
    }
  }
}

async function cast(button) {
  button.disabled = true;
  const body = { candidate: button.dataset.candidate, request_id: button.dataset.requestId || requestId() };
  button.dataset.requestId = body.request_id; // a retry of this click sends the same id
  try {
    // A login that ended meanwhile: to login and back here (a new tap votes then).
    const result = await api(`${base}/votes`, { method: 'POST', body, login: place });
    render({ ...state, me: result.me, counts: result.counts });
    status(`投票成功！${left(state, result.me)}`);
    import('./toast.js').then((m) => m.awardToast('投票成功', result.award)).catch(() => {}); // fetched when needed
  } catch (e) {
    if (e.status && e.status < 500) delete button.dataset.requestId;
    status(e.message, true);
    button.disabled = false;
  }
}

async function main() {
  if (!box || !campaign) return;
  const line = el('p', 'vote-status', '正在加载投票信息…');
  line.id = 'vote-status';
  line.setAttribute('role', 'status');
  box.querySelector('.panel-hd').after(line);
  signedIn = Boolean(getToken()) || (await refresh());
  let data;
  try {
    data = await api(base);
  } catch (e) {
    status(e.status === 404 ? '本次评选暂未开放投票' : e.message, true);
    return;
  }
  // A login that ended while the page was away was dropped by api(): the page shows as to any
  // reader, with 登录投票 back to this place (not dead buttons and no word of why).
  signedIn = signedIn && Boolean(getToken());
  render(data);
  box.addEventListener('click', (event) => {
    const button = event.target.closest('button.vote-button');
    if (button && !button.disabled) cast(button);
  });
}

main();
