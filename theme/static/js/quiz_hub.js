// 答题考试 hub: every quiz the member may take, with today's / her latest state.
import { api, requireLogin } from './api.js';

requireLogin(); // a login that ended goes to login and back here (api.js)

const $ = (id) => document.getElementById(id);
const STAFF_ROLES = new Set(['branch_secretary', 'branch_committee', 'general_branch_committee', 'party_committee', 'admin']);

function stateText(quiz) {
  const state = quiz.state;
  if (!quiz.open && !(state && state.status === 'open')) {
    return quiz.opens && quiz.opens * 1000 > Date.now() ? '未开始' : '已结束';
  }
  if (!state) return quiz.kind === 'exam' ? '去考试' : '去答题';
  if (state.status === 'open') return '继续作答';
  const r = state.result || {};
  if (quiz.kind === 'daily') return `今日已完成 ${r.correct}/${r.total}`;
  if (quiz.kind === 'challenge') return `上次连对 ${r.streak} 题`;
  if (quiz.kind === 'exam') return `最近 ${r.score} 分${r.passed ? ' · 及格' : ''}`;
  return '本季度已自查';
}

// Each kind's line icon in the sprite: QUIZ_KIND_ICONS in pelicanconf.py, given by the page.
const KIND_ICONS = JSON.parse($('quiz-list').dataset.kindIcons || '{}');
const SVG = 'http://www.w3.org/2000/svg';

function kindIcon(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  const use = document.createElementNS(SVG, 'use');
  const href = `${$('quiz-list').dataset.icons}#${KIND_ICONS[kind] || 'pencil'}`;
  use.setAttribute('href', href);
  use.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', href);
  svg.append(use);
  return svg;
}

function cell(quiz, staff) {
  const link = document.createElement('a');
  link.className = 'cell cell-access quiz-entry';
  link.dataset.quiz = quiz.id;
  link.dataset.kind = quiz.kind;
  link.href = `/quiz-play.html?id=${encodeURIComponent(quiz.id)}`;
  const icon = document.createElement('span');
  icon.className = 'grid-icon cell-icon';
  icon.setAttribute('aria-hidden', 'true');
  icon.append(kindIcon(quiz.kind));
  const body = document.createElement('span');
  body.className = 'cell-bd';
  body.textContent = quiz.title;
  if (quiz.description) {
    const small = document.createElement('small');
    small.className = 'quiz-desc';
    small.textContent = quiz.description;
    body.append(small);
  }
  const state = document.createElement('span');
  state.className = 'cell-ft';
  state.textContent = stateText(quiz);
  link.append(icon, body, state);
  const out = [link];
  if (quiz.kind === 'survey' && staff) {
    const summary = document.createElement('a');
    summary.className = 'cell cell-access';
    summary.href = `/quiz-play.html?id=${encodeURIComponent(quiz.id)}&view=summary`;
    summary.textContent = `${quiz.title} · 支部汇总`;
    out.push(summary);
  }
  if (quiz.kind === 'exam') {
    const rank = document.createElement('a');
    rank.className = 'cell cell-access';
    rank.href = `/quiz-play.html?id=${encodeURIComponent(quiz.id)}&view=ranking`;
    rank.textContent = `${quiz.title} · 成绩排名`;
    out.push(rank);
  }
  return out;
}

async function main() {
  let me;
  let hub;
  try {
    [me, hub] = await Promise.all([api('/api/me'), api('/api/quizzes')]);
  } catch (error) {
    if (error.status === 401) {
      location.replace('/login.html?next=/quiz.html');
      return;
    }
    $('quiz-error').textContent = error.message;
    $('quiz-error').hidden = false;
    return;
  }
  const staff = (me.roles || []).some((r) => STAFF_ROLES.has(r.role));
  const list = $('quiz-list');
  list.replaceChildren(...hub.quizzes.flatMap((q) => cell(q, staff)));
  $('quiz-empty').hidden = hub.quizzes.length > 0;
}

main();
