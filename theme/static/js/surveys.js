// 问卷调查 (/surveys.html): the member's surveys — open, upcoming and answered — and
// (/surveys.html?id=<id>) one survey's form: single choice as radio buttons, multiple choice as
// check boxes (with the least/most picks said), rating as 1–5 stars, short text; the answer is
// sent once and the page then says 已提交 (a second submit is refused by the API with 409).
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const surveyId = new URLSearchParams(location.search).get('id') || '';
const STARS = ['很不满意', '不满意', '一般', '满意', '很满意'];

function hint(q) {
  if (q.kind === 'multiple') {
    return q.min === q.max ? `（多选，选 ${q.min} 项）` : `（多选，选 ${q.min}–${q.max} 项）`;
  }
  if (q.kind === 'rating') return '（评分，1–5 星）';
  if (q.kind === 'text') return '（简答，200 字以内）';
  return '（单选）';
}

function question(q, n) {
  const li = el('li', 'sv-q');
  li.dataset.id = q.id;
  const set = el('fieldset', 'sv-q-set');
  const legend = el('legend', 'sv-q-title', `${n}. ${q.text}`);
  legend.append(el('span', 'sv-q-hint', `${hint(q)}${q.required ? '' : '（选答）'}`));
  set.append(legend);
  const box = el('div', 'cells');
  if (q.kind === 'single' || q.kind === 'multiple') {
    for (const o of q.options) {
      const label = el('label', 'cell sv-choice');
      const input = el('input');
      input.type = q.kind === 'single' ? 'radio' : 'checkbox';
      input.name = q.id;
      input.value = o.id;
      label.append(input, el('span', 'cell-bd', o.text));
      box.append(label);
    }
  } else if (q.kind === 'rating') {
    const row = el('div', 'sv-stars');
    for (let star = 1; star <= 5; star++) {
      const label = el('label', 'sv-star');
      const input = el('input');
      input.type = 'radio';
      input.name = q.id;
      input.value = String(star);
      input.setAttribute('aria-label', `${star} 星：${STARS[star - 1]}`);
      label.append(input, el('span', 'sv-star-text', `${star}★`));
      row.append(label);
    }
    box.append(row);
  } else {
    const label = el('label', 'cell sv-text');
    const area = el('textarea', 'cell-input');
    area.name = q.id;
    area.rows = 3;
    area.maxLength = 200;
    area.placeholder = '请填写（200 字以内）';
    label.append(area);
    box.append(label);
  }
  set.append(box);
  li.append(set);
  return li;
}

function collect(questions) {
  const answers = {};
  for (const q of questions) {
    const inputs = [...document.getElementsByName(q.id)];
    if (q.kind === 'text') {
      const text = inputs[0].value.trim();
      if (text) answers[q.id] = text;
    } else if (q.kind === 'multiple') {
      const picked = inputs.filter((i) => i.checked).map((i) => i.value);
      if (picked.length) answers[q.id] = picked;
    } else {
      const picked = inputs.find((i) => i.checked);
      if (picked) answers[q.id] = q.kind === 'rating' ? Number(picked.value) : picked.value;
    }
  }
  return answers;
}

function showDone() {
  $('sv-form').hidden = true;
  $('sv-done').hidden = false;
}

async function showSurvey() {
  $('sv-home').hidden = true;
  const s = await api(`/api/surveys/${encodeURIComponent(surveyId)}`);
  $('sv-title').textContent = s.title;
  $('sv-intro').textContent = s.intro || '不记名统计，每份问卷每人提交一次。';
  if (s.answered) {
    showDone();
    return;
  }
  if (s.phase !== 'open') {
    showError($('sv-error'), s.phase === 'upcoming' ? `问卷尚未开始，开始时间：${s.opens_at}` : '问卷已结束。');
    return;
  }
  $('sv-meta').textContent = `${s.unit.name}发布 · 截止 ${s.closes_at} · 共 ${s.questions.length} 题`;
  $('sv-questions').replaceChildren(...s.questions.map((q, i) => question(q, i + 1)));
  const form = $('sv-form');
  form.hidden = false;
  const button = $('sv-submit');
  button.disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    hideError($('sv-form-error'));
    const answers = collect(s.questions);
    const missing = s.questions.findIndex((q) => q.required && !(q.id in answers));
    if (missing >= 0) {
      showError($('sv-form-error'), `第${missing + 1}题：此题为必答题，请作答`);
      return;
    }
    button.disabled = true;
    try {
      await api(`/api/surveys/${encodeURIComponent(surveyId)}/answers`, { method: 'POST', body: { answers } });
      showDone();
      toast('已提交');
    } catch (error) {
      if (error.status === 409 && /已提交过/.test(error.message)) {
        showDone();
        return;
      }
      showError($('sv-form-error'), error.message);
      button.disabled = false;
    }
  });
}

async function showList() {
  const { surveys } = await api('/api/me/surveys');
  const list = $('sv-list');
  list.setAttribute('aria-busy', 'false');
  list.replaceChildren(
    ...surveys.map((s) => {
      const link = el('a', 'cell cell-access sv-item');
      link.href = `/surveys.html?id=${encodeURIComponent(s.id)}`;
      const body = el('span', 'cell-bd', s.title);
      body.append(el('span', 'cell-desc', `${s.unit.name} · 截止 ${s.closes_at}`));
      const state = s.answered ? '已提交' : s.phase === 'upcoming' ? '未开始' : '去填写';
      link.append(body, el('span', `cell-ft sv-state${s.answered ? ' is-done' : ''}`, state));
      return link;
    }),
  );
  $('sv-empty').hidden = surveys.length > 0;
}

async function main() {
  const login = $('sv-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  login.hidden = true;
  $('sv').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('sv').hidden = true;
    login.hidden = false;
    return;
  }
  try {
    if (surveyId) await showSurvey();
    else await showList();
  } catch (error) {
    if (error.status === 401) {
      $('sv').hidden = true;
      login.hidden = false;
    } else {
      showError($('sv-error'), `暂时无法显示：${error.message}`);
    }
    $('sv-list').setAttribute('aria-busy', 'false');
  }
}

main();
