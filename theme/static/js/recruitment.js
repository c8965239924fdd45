// 党员发展 (/recruitment.html): ?unit=<id> — a unit's people in the process by stage, each with
// her most urgent next step and a 逾期 / 即将到期 badge, and (branch staff) 登记入党申请人;
// ?id=<person> — her timeline, guided: what to do next, under which rule, from when and by when,
// and a button to record it in a dialog (the date, a note, the result where one is chosen).
// The server checks every record against the rules and the caller's scope; its refusal (in
// Chinese, naming the rule) is shown in the dialog's place as it came.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { el } from './dom.js';
import { hideError, showError } from './form.js';

const $ = (id) => document.getElementById(id);
const STATUS = {
  overdue: '逾期',
  due: '即将到期',
  open: '可办理',
  waiting: '未到时间',
  blocked: '条件未满足',
};
const params = new URLSearchParams(location.search);
let unitId = params.get('unit') || '';
const personId = params.get('id') || '';

function cnDate(iso) {
  return iso ? `${Number(iso.slice(0, 4))}年${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日` : '';
}

function requestKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function badge(status) {
  return el('span', `rc-badge is-${status}`, STATUS[status] || status);
}

function windowText(next) {
  if (next.status === 'waiting') return `${cnDate(next.earliest)}起可办理`;
  if (next.latest) return `最晚${cnDate(next.latest)}`;
  return `${cnDate(next.earliest)}起可办理，无最晚期限`;
}

// --- a unit's list ------------------------------------------------------------------------------

function personRow(p) {
  const li = el('li', `rc-row${p.overdue ? ' is-overdue' : ''}`);
  const link = el('a', 'rc-row-link');
  link.href = `/recruitment.html?id=${encodeURIComponent(p.id)}`;
  const head = el('span', 'rc-row-hd');
  head.append(el('span', 'rc-row-name', p.name));
  if (p.next && (p.next.status === 'overdue' || p.next.status === 'due')) head.append(badge(p.next.status));
  link.append(head);
  link.append(el('span', 'rc-row-sub', p.branch_name));
  if (p.next) link.append(el('span', 'rc-row-next', `下一步：${p.next.label}（${windowText(p.next)}）`));
  li.append(link);
  return li;
}

function renderList(view) {
  $('rc-unit').textContent = `${view.unit.name} · 今天 ${cnDate(view.today)}`;
  document.title = `${view.unit.name} · 党员发展`;
  $('rc-summary').textContent = `有逾期环节 ${view.overdue} 人，${view.days_ahead} 天内到期 ${view.due} 人`;
  const groups = view.groups.filter((g) => g.people.length);
  $('rc-groups').replaceChildren(
    ...groups.map((g) => {
      const section = el('section', 'rc-group');
      const title = el('h2', 'cells-title', `${g.label}（${g.people.length}人）`);
      title.id = `rc-group-${g.stage}`;
      const list = el('ul', 'rc-rows');
      list.setAttribute('aria-labelledby', title.id);
      list.append(...g.people.map(personRow));
      section.append(title, list);
      return section;
    }),
  );
  $('rc-groups').setAttribute('aria-busy', 'false');
  $('rc-empty').hidden = groups.length > 0;
  $('rc-register-area').hidden = !view.may_register;
}

async function registerApplicant(view) {
  const { formDialog } = await import('./dialog.js');
  const today = view.today;
  const key = requestKey();
  let values = { name: '', gender: '', birth_date: '', phone: '', applied_on: today, note: '' };
  for (;;) {
    const answer = await formDialog({
      title: '登记入党申请人',
      text: '以党组织收到入党申请书之日为申请日期；收到后一个月内须派人谈话。',
      ok: '登记',
      fields: [
        { name: 'name', label: '姓名', required: true, maxLength: 20, value: values.name },
        { name: 'gender', label: '性别', value: values.gender, options: [
          { value: '', label: '不填' }, { value: '男', label: '男' }, { value: '女', label: '女' }] },
        { name: 'birth_date', label: '出生日期（选填）', type: 'date', max: today, value: values.birth_date },
        { name: 'phone', label: '手机号（选填）', type: 'tel', maxLength: 11, inputMode: 'numeric', value: values.phone },
        { name: 'applied_on', label: '申请日期', type: 'date', max: today, required: true, value: values.applied_on },
        { name: 'note', label: '备注（选填）', maxLength: 200, value: values.note },
      ],
    });
    if (!answer) return;
    values = answer;
    const body = { name: answer.name, applied_on: answer.applied_on, request_key: key };
    for (const name of ['gender', 'birth_date', 'phone', 'note']) if (answer[name]) body[name] = answer[name];
    try {
      const person = await api(`/api/units/${encodeURIComponent(view.unit.id)}/recruitment`, { method: 'POST', body });
      location.assign(`/recruitment.html?id=${encodeURIComponent(person.id)}`);
      return;
    } catch (error) {
      const { confirmDialog } = await import('./dialog.js');
      const again = await confirmDialog({ title: '未能登记', text: error.message || '请稍后重试', ok: '修改后重试' });
      if (!again) return;
    }
  }
}

// --- a person's timeline ----------------------------------------------------------------------

function renderStages(person) {
  const keys = person.stages.map((s) => s.key);
  const at = keys.indexOf(person.stage);
  $('rc-stages').replaceChildren(
    ...person.stages.map((s, i) => {
      const li = el('li', `rc-stage${i < at ? ' is-past' : ''}${i === at ? ' is-now' : ''}`, s.label);
      if (i === at) li.setAttribute('aria-current', 'step');
      return li;
    }),
  );
}

function nextItem(next, person) {
  const li = el('li', `rc-step is-${next.status}`);
  li.dataset.step = next.step;
  const head = el('div', 'rc-step-hd');
  head.append(el('span', 'rc-step-title', next.label), badge(next.status));
  li.append(head);
  const when = el('p', 'rc-step-when');
  when.append(el('strong', '', windowText(next)));
  if (next.latest && next.status !== 'waiting') when.append(` · ${cnDate(next.earliest)}起`);
  if (next.repeat) when.append(` · 已记录 ${next.done_count} 次`);
  li.append(when);
  li.append(el('p', 'rc-step-guide', next.guide));
  if (next.blocked) li.append(el('p', 'rc-step-blocked', next.blocked));
  li.append(el('p', 'rc-step-rule', `依据：${next.rule}`));
  if (next.may_record) {
    const button = el('button', 'btn rc-record', `记录「${next.label}」`);
    button.type = 'button';
    button.disabled = next.status === 'waiting' || next.status === 'blocked';
    button.addEventListener('click', () => recordStep(next, person, button));
    li.append(button);
  } else {
    li.append(el('p', 'rc-step-who', `由${next.by_label}办理`));
  }
  return li;
}

function doneItem(record) {
  const li = el('li', `rc-done-item${record.superseded ? ' is-superseded' : ''}`);
  const head = el('div', 'rc-step-hd');
  head.append(el('span', 'rc-done-date', cnDate(record.on)), el('span', 'rc-done-label', record.label));
  li.append(head);
  const facts = [];
  if (record.outcome_label) facts.push(record.months ? `${record.outcome_label}${record.months}个月` : record.outcome_label);
  if (record.by_name) facts.push(`记录人：${record.by_name}`);
  if (record.late_days) facts.push(`超过期限 ${record.late_days} 天`);
  if (record.superseded) facts.push('延长预备期后重新办理');
  if (facts.length) li.append(el('p', 'rc-done-facts', facts.join(' · ')));
  if (record.note) li.append(el('p', 'rc-done-note', record.note));
  return li;
}

function renderPerson(person) {
  $('rc-name').textContent = person.name;
  document.title = `${person.name} · 党员发展`;
  $('rc-where').textContent = `${person.stage_label} · ${person.branch.name}`;
  $('rc-back').href = `/recruitment.html?unit=${encodeURIComponent(person.branch.id)}`;
  renderStages(person);
  const next = $('rc-next');
  next.replaceChildren(...person.next.map((n) => nextItem(n, person)));
  next.setAttribute('aria-busy', 'false');
  $('rc-finished').hidden = person.next.length > 0;
  $('rc-next').hidden = person.next.length === 0;
  $('rc-done').replaceChildren(...[...person.done].reverse().map(doneItem));
  const facts = $('rc-facts');
  const fact = (name, value) => value && facts.append(el('dt', '', name), el('dd', '', value));
  facts.replaceChildren();
  fact('申请日期', cnDate(person.applied_on));
  fact('性别', person.gender);
  fact('出生日期', cnDate(person.birth_date));
  fact('手机号', person.phone);
  fact('党员编号', person.member_no);
}

async function recordStep(next, person, button) {
  const { formDialog } = await import('./dialog.js');
  const today = person.today;
  const fields = [
    { name: 'on', label: '办理日期', type: 'date', min: next.earliest, max: today, required: true, value: today },
  ];
  if (next.outcomes.length) {
    fields.push({ name: 'outcome', label: '支部大会决议', options: next.outcomes.map((o) => ({ value: o.key, label: o.label })) });
    if (next.outcomes.some((o) => o.key === 'extend')) {
      fields.push({ name: 'months', label: '延长月数（延长预备期时填 6–12）', type: 'number', min: '6', max: '12', inputMode: 'numeric' });
    }
  }
  if (next.needs_member_no) {
    fields.push({ name: 'member_no', label: '党员编号（列入党员名册）', required: true, maxLength: 32, inputMode: 'numeric' });
  }
  fields.push({ name: 'note', label: '备注（选填）', maxLength: 200, placeholder: '谈话人、推荐方式、介绍人等' });
  const key = requestKey();
  const area = $('rc-error');
  for (;;) {
    const answer = await formDialog({
      title: `记录「${next.label}」`,
      text: `${next.guide}（${windowText(next)}）`,
      ok: '记录',
      fields,
    });
    if (!answer) return;
    for (const f of fields) f.value = answer[f.name];
    const body = { step: next.step, on: answer.on, request_key: key };
    if (answer.note) body.note = answer.note;
    if (answer.outcome) body.outcome = answer.outcome;
    if (answer.outcome === 'extend' && answer.months) body.months = Number(answer.months);
    if (answer.member_no) body.member_no = answer.member_no;
    button.disabled = true;
    hideError(area);
    try {
      const after = await api(`/api/recruitment/${encodeURIComponent(person.id)}/steps`, { method: 'POST', body });
      renderPerson(after);
      import('./toast.js').then((m) => m.toast('已记录')).catch(() => {});
      return;
    } catch (error) {
      button.disabled = false;
      const { confirmDialog } = await import('./dialog.js');
      const again = await confirmDialog({ title: '未能记录', text: error.message || '请稍后重试', ok: '修改后重试' });
      if (!again) return;
    }
  }
}

// --- the page ---------------------------------------------------------------------------------

async function defaultUnit() {
  const me = await api('/api/me');
  const roles = me.roles || [];
  return roles.length ? roles[0].unit.id : me.branch.id;
}

function signedOut() {
  $('rc-list').hidden = true;
  $('rc-person').hidden = true;
  $('rc-login').hidden = false;
}

async function main() {
  const login = $('rc-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return; // the page as built: 请先登录
  login.hidden = true;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  try {
    if (personId) {
      $('rc-person').hidden = false;
      renderPerson(await api(`/api/recruitment/${encodeURIComponent(personId)}`));
      return;
    }
    $('rc-list').hidden = false;
    if (!unitId) {
      unitId = await defaultUnit();
      history.replaceState(null, '', `/recruitment.html?unit=${encodeURIComponent(unitId)}`);
    }
    const view = await api(`/api/units/${encodeURIComponent(unitId)}/recruitment`);
    renderList(view);
    $('rc-register').addEventListener('click', () => registerApplicant(view));
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('rc-error'), `暂时无法显示：${error.message}`);
    $('rc-groups').setAttribute('aria-busy', 'false');
    $('rc-next').setAttribute('aria-busy', 'false');
  }
}

main();
