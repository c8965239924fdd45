// One quiz, one question at a time. The server holds the attempt: a reload (WeChat does that
// often) asks it for the current attempt and carries on where the member was. Grading, the
// deadline and the right answers are the server's; this page never sees an answer before the
// attempt is submitted.
import { api, requireLogin } from './api.js';
import { closeDialogs, confirmDialog } from './dialog.js';
import { awardToast } from './toast.js';

requireLogin(); // every call here is a member's: a login that ended goes to login and back

const $ = (id) => document.getElementById(id);
const LETTERS = 'ABCDEFGH';
const params = new URLSearchParams(location.search);
const quizId = params.get('id') || '';
const base = `/api/quizzes/${encodeURIComponent(quizId)}`;

let view = null; // the attempt as the server last described it
let index = 0; // the question shown
let answers = {}; // index -> response, as saved on the server
let clockOffset = 0; // server time - phone time, in ms
let timer = null;
let challengeReply = null; // the server's verdict on the challenge question shown
let finishing = false; // an attempt submitted here: its result is news (a toast for its points)

function showError(message) {
  $('quiz-error').textContent = message;
  $('quiz-error').hidden = !message;
}

function show(section) {
  for (const id of ['quiz-intro', 'quiz-play', 'quiz-result']) $(id).hidden = id !== section;
}

function optionText(q, i) {
  return q.type === 'truefalse' ? q.options[i] : `${LETTERS[i]}. ${q.options[i]}`;
}

function responseText(q, response) {
  if (!response || !response.length) return '未作答';
  if (q.type === 'fill') return response.join('；');
  return response.map((i) => (q.type === 'truefalse' ? q.options[i] : LETTERS[i])).join('');
}

function current() {
  return view.questions.find((q) => q.index === index);
}

function renderQuestion() {
  const q = current();
  const total = view.total;
  const answered = Object.keys(answers).length;
  $('quiz-counter').textContent = total
    ? `第 ${index + 1}/${total} 题 · 已答 ${answered} 题`
    : `第 ${index + 1} 题 · 已连续答对 ${view.position} 题`;
  // A challenge has no length to be part of: its streak is in the counter, not in a bar.
  $('quiz-progress').hidden = !total;
  $('quiz-progress').max = total || 1;
  $('quiz-progress').value = total ? answered : 0;
  $('quiz-type').textContent = q.type_label;
  $('quiz-stem').textContent = q.stem;
  const box = $('quiz-options');
  box.replaceChildren();
  const saved = answers[String(index)] || [];
  if (q.type === 'fill') {
    for (let b = 0; b < q.blanks; b += 1) {
      const input = document.createElement('input');
      input.className = 'cell-input quiz-blank';
      input.type = 'text';
      input.maxLength = 100;
      input.placeholder = q.blanks > 1 ? `第 ${b + 1} 空` : '请填写答案';
      input.value = saved[b] || '';
      box.append(input);
    }
  } else {
    q.options.forEach((_, i) => {
      const label = document.createElement('label');
      label.className = 'quiz-option';
      const input = document.createElement('input');
      input.type = q.type === 'multiple' ? 'checkbox' : 'radio';
      input.name = 'quiz-option';
      input.value = String(i);
      input.checked = saved.includes(i);
      const text = document.createElement('span');
      text.textContent = optionText(q, i);
      label.append(input, text);
      box.append(label);
    });
  }
  $('quiz-feedback').hidden = true;
  const challenge = view.quiz.kind === 'challenge';
  const last = total && index === total - 1;
  $('quiz-prev').hidden = challenge || index === 0;
  $('quiz-next').hidden = !challenge && last;
  $('quiz-next').textContent = challenge ? '提交答案' : '下一题';
  $('quiz-submit').hidden = challenge ? view.position === 0 : false;
  $('quiz-submit').textContent = challenge ? '结束挑战' : '交卷';
  // One primary action a screen: 下一题 (or 提交答案) until the last question, then 交卷.
  $('quiz-submit').classList.toggle('btn-default', challenge || !last);
  challengeReply = null;
}

function collect() {
  const q = current();
  if (q.type === 'fill') return [...document.querySelectorAll('.quiz-blank')].map((i) => i.value.trim());
  return [...document.querySelectorAll('#quiz-options input:checked')].map((i) => Number(i.value));
}

function filled(q, response) {
  return q.type === 'fill' ? response.some((t) => t) : response.length > 0;
}

async function save() {
  const q = current();
  const response = collect();
  if (!filled(q, response)) return true;
  if (JSON.stringify(answers[String(index)]) === JSON.stringify(response)) return true;
  try {
    await api(`${base}/attempt/answer`, {
      method: 'POST',
      body: { attempt: view.attempt, index, response },
    });
  } catch (error) {
    showError(error.message);
    if (error.status === 409) await reload();
    return false;
  }
  answers[String(index)] = response;
  return true;
}

// One step at a time: the buttons wait for the server, so a quick second tap is not lost.
async function busy(work) {
  const buttons = ['quiz-next', 'quiz-prev', 'quiz-submit'].map($);
  if (buttons[0].disabled) return;
  for (const b of buttons) b.disabled = true;
  try {
    await work();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

async function next() {
  showError('');
  if (view.quiz.kind === 'challenge') {
    await challengeStep();
    return;
  }
  if (await save()) {
    index = Math.min(index + 1, view.total - 1);
    renderQuestion();
  }
}

async function challengeStep() {
  if (challengeReply) {
    if (challengeReply.finished) {
      finishing = true;
      await reload();
      return;
    }
    view.questions.push(challengeReply.next);
    view.position = challengeReply.streak;
    index = challengeReply.next.index;
    renderQuestion();
    return;
  }
  const q = current();
  const response = collect();
  if (!filled(q, response)) {
    showError('请先作答');
    return;
  }
  let reply;
  try {
    reply = await api(`${base}/attempt/answer`, {
      method: 'POST',
      body: { attempt: view.attempt, index, response },
    });
  } catch (error) {
    showError(error.message);
    if (error.status === 409) await reload();
    return;
  }
  challengeReply = reply;
  const box = $('quiz-feedback');
  box.replaceChildren();
  box.className = `quiz-feedback ${reply.correct ? 'is-right' : 'is-wrong'}`;
  const verdict = document.createElement('p');
  verdict.className = 'quiz-verdict';
  verdict.textContent = reply.correct ? '回答正确' : '回答错误，挑战结束';
  box.append(verdict);
  if (reply.answer) box.append(line(`正确答案：${responseText(q, reply.answer)}`));
  if (reply.explanation) box.append(line(`解析：${reply.explanation}`));
  box.hidden = false;
  for (const input of document.querySelectorAll('#quiz-options input')) {
    input.disabled = true;
    // Her choice takes the verdict's colour: green when right, red when wrong.
    if (input.checked) input.closest('.quiz-option').classList.add(reply.correct ? 'is-right' : 'is-wrong');
  }
  $('quiz-next').textContent = reply.finished ? '查看结果' : '下一题';
  $('quiz-submit').hidden = true;
}

function line(text, className = '') {
  const p = document.createElement('p');
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

async function prev() {
  showError('');
  if (await save()) {
    index = Math.max(0, index - 1);
    renderQuestion();
  }
}

async function submit(auto = false) {
  showError('');
  if (view.quiz.kind !== 'challenge' && !(await save()) && !auto) return;
  const missing = view.total ? view.total - Object.keys(answers).length : 0;
  if (!auto && missing > 0) {
    const sure = await confirmDialog({ title: `还有 ${missing} 题未作答，确定交卷吗？`, cancel: '继续答题', ok: '交卷' });
    if (view.status !== 'open') return; // time ran out meanwhile: submitted without her
    if (!sure) {
      // Back to answering, at the first question left open.
      const open = view.questions.find((q) => !(String(q.index) in answers));
      if (open) index = open.index;
      renderQuestion();
      return;
    }
  }
  if (auto) closeDialogs(); // the time is up: no question is left to her
  finishing = true;
  try {
    const result = await api(`${base}/attempt/submit`, {
      method: 'POST',
      body: { attempt: view.attempt },
    });
    render(result);
  } catch (error) {
    if (error.status !== 409) showError(error.message);
    await reload();
  }
}

function tick() {
  const left = Math.max(0, Math.round((view.deadline * 1000 - (Date.now() + clockOffset)) / 1000));
  const el = $('quiz-timer');
  el.textContent = `剩余 ${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`;
  el.classList.toggle('is-urgent', left <= 60);
  if (left <= 0) {
    clearInterval(timer);
    timer = null;
    submit(true);
  }
}

function startTimer() {
  clearInterval(timer);
  timer = null;
  $('quiz-timer').hidden = !view.deadline;
  if (!view.deadline || view.status !== 'open') return;
  clockOffset = view.server_now * 1000 - Date.now();
  tick();
  timer = setInterval(tick, 1000);
}

function render(v) {
  view = v;
  answers = { ...(v.answers || {}) };
  $('quiz-title').textContent = v.quiz.title;
  if (v.status === 'submitted') {
    clearInterval(timer);
    showResult(v);
    return;
  }
  show('quiz-play');
  if (v.quiz.kind === 'challenge') {
    index = v.position;
  } else {
    const open = v.questions.find((q) => !(String(q.index) in answers));
    index = open ? open.index : 0;
  }
  renderQuestion();
  startTimer();
}

function showResult(v) {
  show('quiz-result');
  const r = v.result || {};
  if (finishing && v.quiz.kind !== 'survey') awardToast(v.quiz.kind === 'challenge' ? '挑战结束' : '已交卷', { points: r.points });
  finishing = false;
  const kind = v.quiz.kind;
  let main = '';
  let sub = '';
  if (kind === 'exam') {
    main = `${r.score} 分`;
    sub = `${r.passed ? '及格' : '未及格'}（及格线 ${v.quiz.pass_mark} 分）· 答对 ${r.correct}/${r.total} 题`;
  } else if (kind === 'challenge') {
    main = `连续答对 ${r.streak} 题`;
  } else if (kind === 'daily') {
    main = `答对 ${r.correct}/${r.total} 题`;
  } else {
    main = '本季度自查已提交';
    sub = '只有你自己能看到个人作答；支部只看到汇总人数。';
  }
  if (kind !== 'survey') sub += `${sub ? ' · ' : ''}获得 ${r.points || 0} 积分`;
  if (v.closed_by === 'timeout') sub += ' · 时间到，已按截止前的答案交卷';
  if (kind === 'exam' && !v.review) sub += ' · 考试结束或用完全部考试机会后，可查看每题对错和解析';
  $('quiz-score').textContent = main;
  $('quiz-score-sub').textContent = sub;
  $('quiz-again').hidden = !(kind === 'challenge' || kind === 'exam');
  $('quiz-again').textContent = kind === 'exam' ? '再考一次' : '再来一次';
  const review = $('quiz-review');
  review.replaceChildren();
  $('quiz-review-title').hidden = !v.review;
  for (const entry of v.review || []) {
    const q = v.questions.find((x) => x.index === entry.index);
    const card = document.createElement('div');
    const mark = 'correct' in entry ? (entry.correct ? ' is-right' : ' is-wrong') : '';
    card.className = `panel quiz-review-item${mark}`;
    card.append(line(`${entry.index + 1}. ${q.stem}`, 'quiz-stem'));
    if (q.type !== 'fill') {
      q.options.forEach((_, i) => card.append(line(optionText(q, i), 'quiz-review-option')));
    }
    card.append(line(`你的答案：${responseText(q, (v.answers || {})[String(entry.index)])}`));
    if (entry.answer) card.append(line(`正确答案：${responseText(q, entry.answer)}`, 'quiz-right-answer'));
    if (entry.explanation) card.append(line(`解析：${entry.explanation}`, 'quiz-explanation'));
    review.append(card);
  }
  if (kind === 'exam') loadRanking();
  if (kind === 'survey') loadHistory();
}

function extra(title, rows, emptyText = '还没有记录。') {
  $('quiz-extra').hidden = false;
  $('quiz-extra-title').textContent = title;
  $('quiz-extra-list').replaceChildren(...rows);
  const empty = $('quiz-extra-empty'); // nothing to list: say so, with the way back to the hub
  empty.hidden = rows.length > 0;
  empty.querySelector('.empty-state-text').textContent = emptyText;
}

function row(left, right, className = '') {
  const cell = document.createElement('div');
  cell.className = `cell ${className}`;
  const a = document.createElement('span');
  a.className = 'cell-bd';
  a.textContent = left;
  const b = document.createElement('span');
  b.className = 'cell-ft';
  b.textContent = right;
  cell.append(a, b);
  return cell;
}

async function loadRanking() {
  try {
    const data = await api(`${base}/ranking`);
    const rows = data.entries.map((e) =>
      row(`${e.rank}. ${e.name}`, `${e.score} 分 · ${Math.ceil(e.seconds / 60)} 分钟`, e.me ? 'is-me' : ''),
    );
    if (data.me) rows.unshift(row('我的排名', `第 ${data.me.rank} 名 · ${data.me.score} 分`, 'is-me'));
    extra(`成绩排名 · ${data.unit.name}`, rows, '还没有人交卷，完成考试后就能看到排名。');
  } catch (error) {
    extra('成绩排名', [row(error.message, '')]);
  }
}

async function loadHistory() {
  try {
    const data = await api(`${base}/attempts`);
    const rows = [];
    for (const a of data.attempts.filter((x) => x.status === 'submitted')) {
      rows.push(row(a.attempt.slice(1).replace('Q', ' 年第 ') + ' 季度', '', 'quiz-history-hd'));
      for (const ans of a.answers) rows.push(row(ans.stem, ans.chosen.join('、') || '未作答'));
    }
    extra('我的历次自查', rows, '还没有自查记录，完成一次党性体检后会显示在这里。');
  } catch (error) {
    extra('我的历次自查', [row(error.message, '')]);
  }
}

async function loadSummary() {
  $('quiz-title').textContent = '党性体检 · 支部汇总';
  show('');
  try {
    const data = await api(`${base}/summary${params.get('unit') ? `?unit=${encodeURIComponent(params.get('unit'))}` : ''}`);
    $('quiz-title').textContent = `${data.quiz.title} · ${data.unit.name}`;
    const rows = [row(`${data.period.replace('Q', ' 年第 ')} 季度`, `${data.respondents} 人已自查`, 'quiz-history-hd')];
    if (!data.shown) {
      rows.push(row(`填写人数不足 ${data.min_respondents} 人，暂不显示统计`, ''));
    } else {
      for (const q of data.questions) {
        rows.push(row(q.stem, '', 'quiz-history-hd'));
        for (const o of q.options) rows.push(row(o.label, `${o.count} 人`));
      }
    }
    extra('按选项汇总（不含个人作答）', rows);
  } catch (error) {
    showError(error.message);
  }
}

async function reload() {
  try {
    render(await api(`${base}/attempt/current`));
  } catch (error) {
    if (error.status === 404) await intro();
    else showError(error.message);
  }
}

async function intro() {
  const hub = await api('/api/quizzes');
  const quiz = hub.quizzes.find((q) => q.id === quizId);
  if (!quiz) {
    $('quiz-title').textContent = '答题';
    showError('测验不存在或已下线');
    show('');
    return;
  }
  $('quiz-title').textContent = quiz.title;
  let text = quiz.description || '';
  if (quiz.kind === 'exam') {
    text += ` 限时 ${Math.round(quiz.time_limit_seconds / 60)} 分钟，开始后计时，中途刷新不影响计时。`;
  }
  $('quiz-intro-text').textContent = text;
  $('quiz-start').textContent = quiz.kind === 'exam' ? '开始考试' : '开始答题';
  $('quiz-start').disabled = !quiz.open;
  if (!quiz.open) showError('当前不在开放时间内');
  show('quiz-intro');
}

async function begin() {
  showError('');
  $('quiz-start').disabled = true;
  $('quiz-again').disabled = true;
  try {
    render(await api(`${base}/attempt`, { method: 'POST' }));
    $('quiz-extra').hidden = true;
  } catch (error) {
    showError(error.message);
  } finally {
    $('quiz-start').disabled = false;
    $('quiz-again').disabled = false;
  }
}

async function main() {
  $('quiz-start').addEventListener('click', begin);
  $('quiz-again').addEventListener('click', begin);
  $('quiz-next').addEventListener('click', () => busy(next));
  $('quiz-prev').addEventListener('click', () => busy(prev));
  $('quiz-submit').addEventListener('click', () => busy(() => submit(false)));
  try {
    await api('/api/me'); // signed out: api() goes to login and back here
  } catch {
    // offline or busy: the calls below say so
  }
  const mode = params.get('view');
  if (mode === 'summary') {
    await loadSummary();
    return;
  }
  if (mode === 'ranking') {
    $('quiz-title').textContent = '成绩排名';
    show('');
    await loadRanking();
    return;
  }
  await reload();
}

main();
