// 诉求: one request as a list item, shared by 我的诉求 (requests.js) and 诉求办理
// (requests_desk.js): its category, state (超时 said in words), text, photos, the unit handling it,
// the answer and rating, and the timeline of every step (who, when, note).
import { el } from './dom.js';

export function time(seconds) {
  const d = new Date(seconds * 1000);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

export function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function timeline(r) {
  const list = el('ol', 'rq-steps');
  list.setAttribute('aria-label', '办理过程');
  for (const s of r.steps) {
    const li = el('li', `rq-step is-${s.act}`);
    const who = [s.unit_name && s.act !== 'submit' && s.act !== 'rate' ? s.unit_name : '', s.by_name || ''].filter(Boolean).join(' ');
    li.append(el('span', 'rq-step-what', `${s.label}${who ? `：${who}` : ''}`));
    li.append(el('span', 'rq-step-when', time(s.time)));
    if (s.note) li.append(el('span', 'rq-step-note', s.note));
    list.append(li);
  }
  return list;
}

export function item(r, { showName = false } = {}) {
  const li = el('li', `rq-item is-${r.state}${r.overdue ? ' is-overdue' : ''}`);
  li.dataset.id = r.id;
  const head = el('div', 'rq-item-hd');
  head.append(el('span', 'rq-item-title', r.category_label));
  head.append(el('span', `rq-state is-${r.state}`, r.state_label));
  if (r.overdue) head.append(el('span', 'rq-state is-overdue', `${r.step}超时`));
  li.append(head);
  li.append(el('p', 'rq-text', r.text));
  if (r.photos.length) {
    const photos = el('div', 'rq-photos');
    for (const p of r.photos) {
      const img = el('img', 'rq-photo');
      img.src = p.url;
      img.alt = '诉求照片';
      img.loading = 'lazy';
      img.width = 96;
      img.height = 96;
      photos.append(img);
    }
    li.append(photos);
  }
  const facts = el('dl', 'rq-facts');
  const fact = (name, value) => facts.append(el('dt', '', name), el('dd', '', value));
  if (showName) fact('提出人', r.anonymous ? `${r.member_name}（匿名）` : r.member_name);
  fact('办理单位', r.unit.name);
  fact('提交', time(r.submitted_at));
  if (r.step && r.due_at) fact(`${r.step}时限`, `${time(r.due_at)}前（${r.limit_hours} 小时）`);
  if (r.answer) fact('答复', r.answer);
  if (r.rating_label) fact('评价', r.rating_note ? `${r.rating_label}：${r.rating_note}` : r.rating_label);
  li.append(facts);
  const box = el('details', 'rq-timeline');
  box.append(el('summary', 'rq-timeline-summary', `办理过程（${r.steps.length} 步）`));
  box.append(timeline(r));
  li.append(box);
  return li;
}
