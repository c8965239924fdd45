// 问卷管理 (/surveys-desk.html?unit=<id>): a unit's surveys and, for staff who manage it, the form
// that composes one (single / multiple choice with options one per line, rating, short text);
// (/surveys-desk.html?id=<id>) one survey: 发布 / 结束 / 修改 (a draft), and its results — bar
// charts per question (charts.js), text answers without names, the groups of fewer than 3
// respondents shown as a count only — and the XLSX export (its Accept names the type).
import { api, getToken, isSignedIn, refresh } from './api.js';
import { barChart } from './charts.js';
import { confirmDialog } from './dialog.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const surveyId = params.get('id') || '';
let unitId = params.get('unit') || '';
let editing = null; // the draft being edited, or null for a new one
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const KINDS = { single: '单选题', multiple: '多选题', rating: '评分题', text: '简答题' };

function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// --- composing ---------------------------------------------------------------------------------

function field(label, input) {
  const row = el('label', 'cell');
  row.append(el('span', 'cell-label', label), input);
  return row;
}

function input(cls, attrs = {}) {
  const node = el('input', `cell-input ${cls}`);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function renumber() {
  [...$('sd-qs').children].forEach((li, i) => {
    li.querySelector('.sv-q-title').textContent = `第${i + 1}题 · ${KINDS[li.dataset.kind]}`;
  });
}

function addQuestion(kind, q = {}) {
  const li = el('li', 'sv-q sv-edit');
  li.dataset.kind = kind;
  const head = el('div', 'sv-q-hd');
  head.append(el('span', 'sv-q-title'));
  const remove = el('button', 'btn btn-plain btn-mini', '删除');
  remove.type = 'button';
  remove.addEventListener('click', () => {
    li.remove();
    renumber();
  });
  head.append(remove);
  li.append(head);
  const box = el('div', 'cells');
  const text = input('sv-e-text', { maxlength: '200', placeholder: '题目' });
  text.value = q.text || '';
  box.append(field('题目', text));
  if (kind === 'single' || kind === 'multiple') {
    const area = el('textarea', 'cell-input sv-e-options');
    area.rows = 4;
    area.placeholder = '每行一个选项，2 到 20 个';
    area.value = (q.options || []).map((o) => o.text).join('\n');
    const row = el('label', 'cell sv-text');
    row.append(el('span', 'cell-label', '选项'), area);
    box.append(row);
  }
  if (kind === 'multiple') {
    const least = input('sv-e-min', { type: 'number', min: '1', max: '20', inputmode: 'numeric', placeholder: '1' });
    const most = input('sv-e-max', { type: 'number', min: '1', max: '20', inputmode: 'numeric', placeholder: '不限' });
    if (q.min) least.value = q.min;
    if (q.max) most.value = q.max;
    box.append(field('最少选', least), field('最多选', most));
  }
  const must = el('label', 'cell cell-switch');
  const check = el('input', 'switch sv-e-required');
  check.type = 'checkbox';
  check.setAttribute('role', 'switch');
  check.checked = q.required === undefined ? kind !== 'text' : q.required;
  must.append(el('span', 'cell-bd', '必答'), check);
  box.append(must);
  li.append(box);
  $('sd-qs').append(li);
  renumber();
  return li;
}

function questions() {
  return [...$('sd-qs').children].map((li) => {
    const kind = li.dataset.kind;
    const q = { kind, text: li.querySelector('.sv-e-text').value.trim(), required: li.querySelector('.sv-e-required').checked };
    if (kind === 'single' || kind === 'multiple') {
      q.options = li
        .querySelector('.sv-e-options')
        .value.split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    }
    if (kind === 'multiple') {
      const least = li.querySelector('.sv-e-min').value;
      const most = li.querySelector('.sv-e-max').value;
      if (least) q.min = Number(least);
      if (most) q.max = Number(most);
    }
    return q;
  });
}

function setUpForm() {
  const form = $('sd-new');
  form.hidden = false;
  for (const button of form.querySelectorAll('.sv-add button')) {
    button.addEventListener('click', () => addQuestion(button.dataset.kind).querySelector('.sv-e-text').focus());
  }
  const save = $('sd-save');
  save.disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('sd-new-error'));
    const body = {
      title: $('sd-f-title').value.trim(),
      questions: questions(),
      closes_at: $('sd-f-closes').value.replace('T', ' '),
    };
    const intro = $('sd-f-intro').value.trim();
    if (intro) body.intro = intro;
    const opens = $('sd-f-opens').value;
    if (opens) body.opens_at = opens.replace('T', ' ');
    if (!body.title) return showError($('sd-new-error'), '请填写标题');
    if (!body.closes_at) return showError($('sd-new-error'), '请选择截止时间');
    if (!body.questions.length) return showError($('sd-new-error'), '请至少添加一道题');
    save.disabled = true;
    try {
      const made = editing
        ? await api(`/api/surveys/${encodeURIComponent(editing)}`, { method: 'PUT', body })
        : await api('/api/surveys', { method: 'POST', body: { ...body, unit_id: unitId, request_key: key() } });
      toast('已保存草稿');
      location.href = `/surveys-desk.html?id=${encodeURIComponent(made.id)}`;
    } catch (error) {
      showError($('sd-new-error'), error.message);
      save.disabled = false;
    }
    return null;
  });
}

function fillForm(s) {
  editing = s.id;
  $('sd-new-title').textContent = '修改草稿';
  $('sd-f-title').value = s.title;
  $('sd-f-intro').value = s.intro || '';
  $('sd-f-opens').value = s.opens_at ? s.opens_at.replace(' ', 'T') : '';
  $('sd-f-closes').value = s.closes_at.replace(' ', 'T');
  $('sd-qs').replaceChildren();
  for (const q of s.questions) addQuestion(q.kind, q);
}

// --- the unit's list ---------------------------------------------------------------------------

async function showList() {
  const data = await api(`/api/units/${encodeURIComponent(unitId)}/surveys`);
  $('sd-unit').textContent = data.unit.name;
  $('sd-home').hidden = false;
  const list = $('sd-list');
  list.setAttribute('aria-busy', 'false');
  list.replaceChildren(
    ...data.surveys.map((s) => {
      const link = el('a', 'cell cell-access sv-item');
      link.href = `/surveys-desk.html?id=${encodeURIComponent(s.id)}`;
      const body = el('span', 'cell-bd', s.title);
      body.append(el('span', 'cell-desc', `${s.unit.name} · 截止 ${s.closes_at}`));
      link.append(body, el('span', `cell-ft sv-state is-${s.phase}`, s.phase_label));
      return link;
    }),
  );
  $('sd-empty').hidden = data.surveys.length > 0;
  if (data.manage) setUpForm();
}

// --- one survey --------------------------------------------------------------------------------

function chartFor(q, t) {
  const box = el('div', 'chart-box');
  const rows =
    q.kind === 'rating'
      ? t.distribution.map((value, i) => ({ label: `${i + 1}星`, value }))
      : t.options.map((o) => ({ label: o.text.length > 6 ? `${o.text.slice(0, 6)}…` : o.text, value: o.count }));
  requestAnimationFrame(() => barChart(box, rows));
  return box;
}

function tallyBlock(qs, tallies, withTexts) {
  const list = el('ol', 'sv-results');
  qs.forEach((q, i) => {
    const t = tallies[i];
    const li = el('li', 'sv-r');
    li.append(el('h3', 'sv-r-title', `${i + 1}. ${q.text}`));
    if (t.protected) {
      const count = t.answered === null ? '' : `${t.answered} 人作答`;
      li.append(el('p', 'sv-meta', `${count}（作答人数过少或为保护其他分组，不显示明细）`));
      list.append(li);
      return;
    }
    if (t.answered === null) {
      li.append(el('p', 'sv-meta', '简答题只在汇总中列出'));
      list.append(li);
      return;
    }
    li.append(el('p', 'sv-meta', `${t.answered} 人作答${t.average !== null && t.average !== undefined ? ` · 平均 ${t.average} 星` : ''}`));
    if (q.kind === 'text') {
      if (withTexts) {
        const texts = el('ul', 'sv-texts');
        for (const text of t.texts || []) texts.append(el('li', '', text));
        li.append(texts);
      }
    } else {
      li.append(chartFor(q, t));
      if (q.kind !== 'rating') {
        const facts = el('ul', 'sv-counts');
        for (const o of t.options) facts.append(el('li', '', `${o.text}：${o.count}`));
        li.append(facts);
      }
    }
    list.append(li);
  });
  return list;
}

async function showResults(s) {
  const data = await api(`/api/surveys/${encodeURIComponent(s.id)}/results`);
  const note = data.protected ? `（不足 ${data.min_group} 人，为保护填写人只显示人数）` : '';
  $('sd-respondents').textContent = `已提交 ${data.respondents} 人${note}`;
  $('sd-results').replaceChildren(data.overall ? tallyBlock(data.questions, data.overall, true) : '');
  $('sd-groups-title').hidden = !data.groups.length;
  $('sd-groups').replaceChildren(
    ...data.groups.map((g) => {
      const box = el('details', 'sv-group');
      box.append(el('summary', 'sv-group-hd', `${g.unit.name}：${g.respondents} 人${g.protected ? `（不足 ${data.min_group} 人或为保护他组，不显示明细）` : ''}`));
      if (g.questions) box.append(tallyBlock(data.questions, g.questions, false));
      return box;
    }),
  );
  $('sd-xlsx').disabled = false;
}

async function act(s, action) {
  const spec = {
    publish: { title: '发布问卷？', text: '发布后题目不能再修改，所在范围的党员即可填写。', ok: '发布' },
    close: { title: '结束问卷？', text: '结束后党员不能再提交。', ok: '结束', danger: true },
  }[action];
  if (!(await confirmDialog({ title: spec.title, text: `${s.title}：${spec.text}`, ok: spec.ok, danger: spec.danger }))) return;
  try {
    await api(`/api/surveys/${encodeURIComponent(s.id)}/${action}`, { method: 'POST' });
    toast(action === 'publish' ? '已发布' : '已结束');
    await showSurvey();
  } catch (error) {
    showError($('sd-error'), error.message);
  }
}

async function showSurvey() {
  const s = await api(`/api/surveys/${encodeURIComponent(surveyId)}`);
  $('sd-title').textContent = s.title;
  $('sd-unit').textContent = `${s.unit.name} · ${s.phase_label}`;
  $('sd-d-meta').textContent = `${s.opens_at ? `${s.opens_at} 开始` : '发布后开始'} · ${s.closes_at} 截止 · 共 ${s.questions.length} 题`;
  $('sd-detail').hidden = false;
  const actions = $('sd-actions');
  actions.replaceChildren();
  const labels = { publish: '发布', close: '结束收集', edit: '修改' };
  for (const action of s.may) {
    const button = el('button', action === 'publish' ? 'btn btn-mini' : 'btn btn-default btn-mini', labels[action]);
    button.type = 'button';
    button.addEventListener('click', () => {
      if (action === 'edit') {
        if (!editing) setUpForm();
        fillForm(s);
        $('sd-new').scrollIntoView();
      } else {
        act(s, action);
      }
    });
    actions.append(button);
  }
  const back = el('a', 'btn btn-plain btn-mini', '全部问卷');
  back.href = `/surveys-desk.html?unit=${encodeURIComponent(s.unit.id)}`;
  actions.append(back);
  if (s.state !== 'draft') await showResults(s);
  else $('sd-respondents').textContent = '草稿尚未发布。';
}

async function download() {
  const button = $('sd-xlsx');
  button.disabled = true;
  hideError($('sd-export-error'));
  try {
    let response;
    for (let attempt = 0; attempt < 2; attempt++) {
      response = await fetch(`/api/surveys/${encodeURIComponent(surveyId)}/results?format=xlsx`, {
        headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
        credentials: 'same-origin',
      });
      if (!(response.status === 401 && attempt === 0 && (await refresh()))) break;
    }
    if (!response.ok) {
      let message = `下载失败（${response.status}）`;
      try {
        message = (await response.json()).Message || message;
      } catch {
        // not JSON: the status says it
      }
      throw new Error(message);
    }
    saveFile(await response.blob(), `问卷结果-${$('sd-title').textContent}.xlsx`);
    const inWeChat = /MicroMessenger/i.test(navigator.userAgent);
    toast(inWeChat ? '如未开始下载，请点右上角“…”选择在浏览器中打开后再下载' : '已开始下载', { icon: !inWeChat });
  } catch (error) {
    showError($('sd-export-error'), error.message);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const login = $('sd-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  login.hidden = true;
  $('sd').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('sd').hidden = true;
    login.hidden = false;
    return;
  }
  $('sd-xlsx').addEventListener('click', download);
  try {
    if (surveyId) {
      await showSurvey();
      return;
    }
    if (!unitId) {
      const me = await api('/api/me');
      if (!(me.roles || []).length) {
        showError($('sd-error'), '问卷管理供支部书记、委员和上级党组织的管理人员使用。您可在“我的 › 问卷调查”中填写问卷。');
        return;
      }
      unitId = me.roles[0].unit.id;
      history.replaceState(null, '', `/surveys-desk.html?unit=${encodeURIComponent(unitId)}`);
    }
    await showList();
  } catch (error) {
    if (error.status === 401) {
      $('sd').hidden = true;
      login.hidden = false;
    } else {
      showError($('sd-error'), `暂时无法显示：${error.message}`);
    }
    $('sd-list').setAttribute('aria-busy', 'false');
  }
}

main();
