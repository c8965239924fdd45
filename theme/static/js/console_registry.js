// 党务工作台 › 党员与组织 (/console-registry.html?unit=<id>): the unit tree of her scope, a unit's
// members with search, the forms of every registry action (add, edit, move, roles, deactivate;
// a unit's name, parent and new units below), the unit's audit log and the import upload.
// An error the API names a field for (`Field`, or the label's "（name）") is shown at that field.
// Each submission carries a request key kept until it is answered: a retry after a lost reply
// is the same request, never a second change.
import { getToken, isSignedIn, refresh } from './api.js';
import { el, saveFile } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const params = new URLSearchParams(location.search);

const state = { units: [], unit: null, member: null, choices: null, cursor: null, upload: null };

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

class RequestError extends Error {
  constructor(status, data) {
    super((data && data.Message) || `操作失败（${status}），请稍后重试`);
    this.status = status;
    this.data = data || {};
  }
}

// One call to the API (JSON), the access token renewed once on 401.
async function call(path, { method = 'GET', body } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    let response;
    try {
      response = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          'X-Requested-With': 'dangjian-h5',
          Authorization: `Bearer ${getToken()}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new RequestError(0, { Message: '网络不可用，请检查网络后重试' });
    }
    if (response.status === 401 && attempt === 0 && (await refresh())) continue;
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) throw new RequestError(response.status, data);
    return data;
  }
  throw new RequestError(401, { Message: '登录已过期，请重新登录' });
}

async function download(path, button, errorArea) {
  button.disabled = true;
  hideError(errorArea);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(path, {
        headers: { Accept: XLSX, Authorization: `Bearer ${getToken()}`, 'X-Requested-With': 'dangjian-h5' },
        credentials: 'same-origin',
      });
      if (response.status === 401 && attempt === 0 && (await refresh())) continue;
      if (!response.ok) {
        let message = `下载失败（${response.status}）`;
        try {
          message = (await response.json()).Message || message;
        } catch {
          // not JSON
        }
        throw new Error(message);
      }
      const star = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get('Content-Disposition') || '');
      saveFile(await response.blob(), star ? decodeURIComponent(star[1]) : 'registry.xlsx');
      return;
    }
  } catch (error) {
    showError(errorArea, error.message);
  } finally {
    button.disabled = false;
  }
}

// --- errors at their fields ---------------------------------------------------------------

function clearErrors(form) {
  for (const em of form.querySelectorAll('.rg-field-error')) em.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const top = $(`${form.id}-error`);
  if (top) hideError(top);
}

function fieldOf(error) {
  if (error.data.Field) return error.data.Field;
  const named = /（([a-z_]+)）/.exec(error.message);
  return named ? named[1] : null;
}

function showFormError(form, error) {
  const field = fieldOf(error);
  const box = field && form.querySelector(`[data-field="${field}"]`);
  if (box && !box.hidden) {
    box.querySelector('.rg-field-error').textContent = error.message;
    const input = box.querySelector('input, select');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    return;
  }
  showError($(`${form.id}-error`), error.message);
}

// Runs a form's submission once at a time, with its request key kept until answered.
function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = '1';
    clearErrors(form);
    form.dataset.key = form.dataset.key || newKey();
    try {
      await action(form.dataset.key);
      delete form.dataset.key;
    } catch (error) {
      if (error.status >= 400 && error.status < 500) delete form.dataset.key; // refused: a new try
      showFormError(form, error);
    } finally {
      delete form.dataset.busy;
    }
  });
}

// Another member or unit opened: a key kept for a retry belongs to the one left, never reused.
function dropKeys() {
  document.querySelectorAll('form').forEach((form) => {
    if (!form.dataset.busy) delete form.dataset.key;
  });
}

function val(form, name) {
  return form.elements[name].value.trim();
}

// --- the tree -----------------------------------------------------------------------------

function unitById(id) {
  return state.units.find((u) => u.id === id) || null;
}

function managedBranches() {
  return state.units.filter((u) => u.kind === 'branch' && u.access === 'manage');
}

function fillSelect(select, options, chosen) {
  select.replaceChildren(...options.map(([value, label]) => {
    const option = el('option', '', label);
    option.value = value;
    if (value === chosen) option.selected = true;
    return option;
  }));
}

function renderTree() {
  const list = $('rg-tree');
  const depth0 = Math.min(...state.units.map((u) => u.path.length));
  const ordered = [];
  const children = (parent) => state.units.filter((u) => u.parent_id === parent).sort((a, b) => a.sort_order - b.sort_order);
  const walk = (unit) => {
    ordered.push(unit);
    for (const child of children(unit.id)) walk(child);
  };
  for (const root of state.units.filter((u) => !unitById(u.parent_id))) walk(root);
  list.replaceChildren(...ordered.map((unit) => {
    const li = el('li', 'rg-tree-item');
    li.style.setProperty('--depth', String(unit.path.length - depth0));
    const button = el('button', 'rg-tree-unit', unit.name);
    button.type = 'button';
    button.dataset.unit = unit.id;
    if (state.unit && unit.id === state.unit.id) button.setAttribute('aria-current', 'true');
    button.append(el('span', 'rg-tree-kind', unit.kind_label));
    button.addEventListener('click', () => selectUnit(unit.id));
    li.append(button);
    return li;
  }));
  list.setAttribute('aria-busy', 'false');
}

// --- members --------------------------------------------------------------------------------

function roleLabels(keys) {
  const labels = {};
  for (const r of state.choices.roles) labels[r.key] = r.label;
  return keys.map((k) => labels[k] || k).join('、');
}

async function loadMembers() {
  const q = $('rg-q').value.trim();
  const path = `/api/registry/units/${encodeURIComponent(state.unit.id)}/members${q ? `?q=${encodeURIComponent(q)}` : ''}`;
  const data = await call(path);
  const body = $('rg-members-body');
  body.replaceChildren(...data.members.map((m) => {
    const tr = el('tr', m.active ? '' : 'is-inactive');
    tr.append(el('td', 'rg-num', m.member_no), el('td', '', m.name), el('td', '', m.branch_name),
      el('td', '', m.status_label), el('td', '', m.role_labels.join('、')), el('td', '', m.active ? '在册' : '已停用'));
    const td = el('td', 'rg-row-actions');
    if (m.access === 'manage' && m.active) {
      const edit = el('button', 'btn btn-mini btn-plain', '编辑');
      edit.type = 'button';
      edit.setAttribute('aria-label', `编辑 ${m.name}`);
      edit.addEventListener('click', () => openMember(m.member_no));
      td.append(edit);
    }
    if (data.can_erase && !m.active && m.name !== ERASED) { // the 管理员 only: others get 403
      const erase = el('button', 'btn btn-mini btn-plain', '删除个人信息');
      erase.type = 'button';
      erase.setAttribute('aria-label', `删除 ${m.name} 的个人信息`);
      erase.addEventListener('click', () => openErase(m));
      td.append(erase);
    }
    tr.append(td);
    return tr;
  }));
  $('rg-members-empty').hidden = data.members.length > 0;
}

function setRoles(box, chosen, branchId) {
  const branch = unitById(branchId);
  const kinds = new Set(branch ? branch.path.map((id) => (unitById(id) || {}).kind) : []);
  const checks = box.querySelector('.rg-checks');
  checks.replaceChildren(...state.choices.roles
    .filter((r) => r.unit_kind === null || kinds.has(r.unit_kind) || chosen.includes(r.key))
    .map((r) => {
      const label = el('label', 'rg-check');
      const input = el('input');
      input.type = 'checkbox';
      input.value = r.key;
      input.checked = chosen.includes(r.key);
      label.append(input, el('span', '', r.label));
      return label;
    }));
}

function checkedRoles(box) {
  return [...box.querySelectorAll('input:checked')].map((i) => i.value);
}

function memberForm(mode, member) {
  const form = $('rg-member-form');
  clearErrors(form);
  form.hidden = false;
  form.dataset.mode = mode;
  delete form.dataset.key;
  $('rg-member-form-title').textContent = mode === 'add' ? '新增党员' : `编辑 ${member.name}（${member.member_no}）`;
  const m = member || {};
  for (const name of ['member_no', 'name', 'phone', 'joined_on', 'birth_date']) form.elements[name].value = m[name] || '';
  form.elements.gender.value = m.gender || '';
  form.elements.status.value = m.status || 'full';
  fillSelect(form.elements.education, [['', '未填写'], ...state.choices.education.map((v) => [v, v])], m.education || '');
  fillSelect(form.elements.occupation, [['', '未填写'], ...state.choices.occupation.map((v) => [v, v])], m.occupation || '');
  const branches = managedBranches().map((b) => [b.id, b.name]);
  const defaultBranch = state.unit.kind === 'branch' ? state.unit.id : (branches[0] || [''])[0];
  fillSelect(form.elements.branch_id, branches, defaultBranch);
  form.elements.member_no.disabled = mode !== 'add';
  form.querySelector('[data-field="branch_id"]').hidden = mode !== 'add';
  const roles = $('rg-roles-add');
  roles.hidden = mode !== 'add';
  if (mode === 'add') setRoles(roles, [], defaultBranch);
  $('rg-member-more').hidden = mode === 'add';
  form.elements.name.focus();
}

async function openMember(memberNo) {
  dropKeys();
  const data = await call(`/api/registry/members/${encodeURIComponent(memberNo)}`);
  state.member = data.member;
  memberForm('edit', state.member);
  const move = $('rg-move-form');
  clearErrors(move);
  fillSelect(move.elements.branch_id, managedBranches().filter((b) => b.id !== state.member.branch_id).map((b) => [b.id, b.name]));
  const roles = $('rg-roles-form');
  clearErrors(roles);
  setRoles(roles.querySelector('.rg-roles'), state.member.roles, state.member.branch_id);
  clearErrors($('rg-off-form'));
  $('rg-off-form').elements.reason.value = '';
}

// 删除个人信息 (the 管理员, a departed member): her number typed again; the API decides.
const ERASED = '（已删除）';

function openErase(m) {
  dropKeys();
  const form = $('rg-erase-form');
  clearErrors(form);
  form.dataset.member = m.member_no;
  $('rg-erase-note').textContent = `将删除 ${m.name}（${m.member_no}）的姓名、电话、出生日期和她写下的内容等个人信息，`
    + '保留不含个人信息的积分、出勤等统计数字。此操作不能撤销。';
  form.elements.confirm.value = '';
  form.hidden = false;
  form.elements.confirm.focus();
}

function setUpErase() {
  const form = $('rg-erase-form');
  onSubmit(form, async (key) => {
    const no = form.dataset.member;
    const body = { request_key: key, confirm: val(form, 'confirm') };
    await call(`/api/registry/members/${encodeURIComponent(no)}/erase`, { method: 'POST', body });
    form.hidden = true;
    toast('已删除个人信息');
    await Promise.all([loadMembers(), loadAudit(true)]);
  });
  $('rg-erase-cancel').addEventListener('click', () => { form.hidden = true; });
}

function closeMember() {
  $('rg-member-form').hidden = true;
  $('rg-member-more').hidden = true;
  state.member = null;
}

async function afterChange(message) {
  toast(message);
  closeMember();
  await Promise.all([loadMembers(), loadAudit(true)]);
}

function setUpMemberForms() {
  onSubmit($('rg-member-form'), async (key) => {
    const form = $('rg-member-form');
    const fields = ['name', 'gender', 'phone', 'status', 'joined_on', 'birth_date', 'education', 'occupation'];
    const body = { request_key: key };
    for (const name of fields) body[name] = val(form, name);
    if (form.dataset.mode === 'add') {
      body.member_no = val(form, 'member_no');
      body.branch_id = val(form, 'branch_id');
      body.roles = checkedRoles($('rg-roles-add'));
      await call('/api/registry/members', { method: 'POST', body });
      await afterChange('已新增');
    } else {
      body.rev = state.member.rev;
      await call(`/api/registry/members/${encodeURIComponent(state.member.member_no)}`, { method: 'POST', body });
      await afterChange('已保存');
    }
  });
  $('rg-member-form').elements.branch_id.addEventListener('change', (event) => setRoles($('rg-roles-add'), checkedRoles($('rg-roles-add')), event.target.value));
  $('rg-member-cancel').addEventListener('click', closeMember);
  $('rg-add-open').addEventListener('click', () => { dropKeys(); memberForm('add', null); });
  onSubmit($('rg-move-form'), async (key) => {
    const body = { request_key: key, rev: state.member.rev, branch_id: val($('rg-move-form'), 'branch_id') };
    await call(`/api/registry/members/${encodeURIComponent(state.member.member_no)}/move`, { method: 'POST', body });
    await afterChange('已调整所在支部');
  });
  onSubmit($('rg-roles-form'), async (key) => {
    const body = { request_key: key, rev: state.member.rev, roles: checkedRoles($('rg-roles-form')) };
    await call(`/api/registry/members/${encodeURIComponent(state.member.member_no)}/roles`, { method: 'POST', body });
    await afterChange('已保存职务');
  });
  onSubmit($('rg-off-form'), async (key) => {
    const reason = val($('rg-off-form'), 'reason');
    const body = { request_key: key, rev: state.member.rev, ...(reason ? { reason } : {}) };
    await call(`/api/registry/members/${encodeURIComponent(state.member.member_no)}/deactivate`, { method: 'POST', body });
    await afterChange('已停用');
  });
  $('rg-search').addEventListener('submit', (event) => {
    event.preventDefault();
    loadMembers().catch((error) => showError($('rg-error'), error.message));
  });
  $('rg-members-xlsx').addEventListener('click', () => download(
    `/api/registry/units/${encodeURIComponent(state.unit.id)}/members?format=xlsx`, $('rg-members-xlsx'), $('rg-error')));
}

// --- units ----------------------------------------------------------------------------------

async function reloadTree(selected) {
  state.units = (await call('/api/registry/tree')).units;
  state.unit = unitById(selected) || state.units[0];
  renderTree();
}

function setUpUnitForms() {
  onSubmit($('rg-rename-form'), async (key) => {
    const body = { request_key: key, rev: state.unit.rev, name: val($('rg-rename-form'), 'name') };
    await call(`/api/registry/units/${encodeURIComponent(state.unit.id)}/rename`, { method: 'POST', body });
    toast('已更名');
    await selectUnit(state.unit.id, true);
  });
  onSubmit($('rg-unit-move-form'), async (key) => {
    const body = { request_key: key, rev: state.unit.rev, parent_id: val($('rg-unit-move-form'), 'parent_id') };
    await call(`/api/registry/units/${encodeURIComponent(state.unit.id)}/move`, { method: 'POST', body });
    toast('已调整上级单位');
    await selectUnit(state.unit.id, true);
  });
  onSubmit($('rg-unit-add-form'), async (key) => {
    const form = $('rg-unit-add-form');
    const body = { request_key: key, unit_id: val(form, 'unit_id'), name: val(form, 'name'), kind: val(form, 'kind'), parent_id: state.unit.id };
    const data = await call('/api/registry/units', { method: 'POST', body });
    form.reset();
    toast('已新增单位');
    await selectUnit(data.unit.id, true);
  });
}

function unitForms() {
  const unit = state.unit;
  const manage = unit.access === 'manage';
  $('rg-unit-readonly').hidden = manage;
  for (const id of ['rg-rename-form', 'rg-unit-move-form', 'rg-unit-add-form']) {
    clearErrors($(id));
    $(id).hidden = !manage;
  }
  $('rg-rename-form').elements.name.value = unit.name;
  const parents = state.units.filter((u) => u.access === 'manage' && u.kind !== 'branch' && u.id !== unit.id && !u.path.includes(unit.id));
  fillSelect($('rg-unit-move-form').elements.parent_id, parents.map((u) => [u.id, `${u.name}（${u.kind_label}）`]), unit.parent_id);
  $('rg-unit-move-form').hidden = !manage || !unit.parent_id;
  $('rg-unit-add-form').hidden = !manage || unit.kind === 'branch';
  $('rg-add-open').hidden = !managedBranches().some((b) => b.path.includes(unit.id));
}

// --- the audit log --------------------------------------------------------------------------

function timeText(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const LABELS = {
  name: '姓名', gender: '性别', phone: '手机号', status: '人员类别', joined_on: '入党日期', birth_date: '出生日期',
  education: '学历', occupation: '职业', branch: '所在支部', branch_id: '支部编号', roles: '职务', active: '在册',
  reason: '原因', parent: '上级单位', parent_id: '上级单位编号', unit_id: '单位编号', kind: '类型', member_no: '党员编号',
  added: '新增', updated: '更新',
};

function valuesText(values) {
  if (!values) return '';
  return Object.entries(values).map(([k, v]) => {
    let shown = v;
    if (k === 'roles') shown = roleLabels(v || []) || '无';
    else if (typeof v === 'boolean') shown = v ? '是' : '否';
    return `${LABELS[k] || k}：${shown === null || shown === '' ? '（空）' : shown}`;
  }).join('；');
}

async function loadAudit(fresh) {
  if (fresh) {
    state.cursor = null;
    $('rg-audit').replaceChildren();
  }
  const cursor = state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : '';
  const data = await call(`/api/registry/units/${encodeURIComponent(state.unit.id)}/audit${cursor}`);
  for (const e of data.entries) {
    const li = el('li', 'rg-audit-entry');
    const head = el('p', 'rg-audit-head');
    head.append(el('strong', '', e.action_label), el('span', '', `${e.target.name}（${e.target.id}）`));
    li.append(head);
    li.append(el('p', 'rg-audit-meta', `${timeText(e.time)} · ${e.actor.name}（${e.actor.member_no}）`));
    if (e.before) li.append(el('p', 'rg-audit-change', `修改前：${valuesText(e.before)}`));
    if (e.after) li.append(el('p', 'rg-audit-change', `修改后：${valuesText(e.after)}`));
    $('rg-audit').append(li);
  }
  state.cursor = data.next;
  $('rg-audit-more').hidden = !data.next;
  $('rg-audit-empty').hidden = $('rg-audit').children.length > 0;
}

// --- the import upload ----------------------------------------------------------------------

function fileBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',')[1] || '');
    reader.onerror = () => reject(new RequestError(400, { Message: '文件：无法读取该文件', Field: 'content' }));
    reader.readAsDataURL(file);
  });
}

function showReport(lines, errors) {
  const box = $('rg-import-report');
  box.hidden = false;
  box.replaceChildren();
  if (errors && errors.length) {
    box.append(el('p', 'rg-report-bad', `发现 ${errors.length} 处错误，未导入任何数据：`));
    const list = el('ul', 'rg-report-errors');
    for (const e of errors) list.append(el('li', '', e.text));
    box.append(list);
    return;
  }
  for (const line of lines) box.append(el('p', 'rg-report-line', line));
}

function setUpImport() {
  const form = $('rg-import-form');
  const send = async (key, apply) => {
    const file = form.elements.file.files[0];
    if (!file) throw new RequestError(400, { Message: '文件：请选择 .csv 或 .xlsx 文件', Field: 'content' });
    const body = { request_key: key, kind: val(form, 'kind'), filename: file.name, content: await fileBase64(file), apply };
    try {
      return await call('/api/registry/import', { method: 'POST', body });
    } catch (error) {
      if (error.data.Errors) showReport([], error.data.Errors);
      throw error;
    }
  };
  const reset = () => {
    $('rg-import-apply').disabled = true;
    $('rg-import-report').hidden = true;
  };
  form.elements.file.addEventListener('change', reset);
  form.elements.kind.addEventListener('change', reset);
  onSubmit(form, async () => {
    reset();
    const report = await send(newKey(), false);
    showReport([...report.lines, '以上为预览，尚未导入。确认无误后请点“导入”。']);
    state.upload = newKey();
    $('rg-import-apply').disabled = false;
  });
  $('rg-import-apply').addEventListener('click', async () => {
    const button = $('rg-import-apply');
    button.disabled = true;
    clearErrors(form);
    try {
      const report = await send(state.upload, true);
      showReport([...report.lines, '已导入。']);
      toast('已导入');
      await reloadTree(state.unit.id);
      await Promise.all([loadMembers(), loadAudit(true)]);
    } catch (error) {
      showFormError(form, error);
      button.disabled = false;
    }
  });
}

// --- the page -------------------------------------------------------------------------------

function showTab(name) {
  for (const tab of ['members', 'unit', 'audit', 'import']) {
    const on = tab === name;
    $(`rg-tab-${tab}`).classList.toggle('is-active', on);
    $(`rg-tab-${tab}`).setAttribute('aria-selected', String(on));
    $(`rg-panel-${tab}`).hidden = !on;
  }
}

async function selectUnit(unitId, reload = false) {
  hideError($('rg-error'));
  dropKeys();
  if (reload) await reloadTree(unitId);
  state.unit = unitById(unitId) || state.units[0];
  history.replaceState(null, '', `/console-registry.html?unit=${encodeURIComponent(state.unit.id)}`);
  $('rg-unit-name').textContent = `${state.unit.name}（${state.unit.kind_label}，${state.unit.access === 'manage' ? '可管理' : '仅查看'}）`;
  renderTree();
  closeMember();
  unitForms();
  try {
    await Promise.all([loadMembers(), loadAudit(true)]);
  } catch (error) {
    showError($('rg-error'), error.message);
  }
}

async function main() {
  const login = $('rg-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  if (!getToken() && !(await refresh())) return;
  login.hidden = true;
  $('rg').hidden = false;
  for (const tab of ['members', 'unit', 'audit', 'import']) $(`rg-tab-${tab}`).addEventListener('click', () => showTab(tab));
  setUpMemberForms();
  setUpErase();
  setUpUnitForms();
  setUpImport();
  $('rg-audit-more').addEventListener('click', () => loadAudit(false).catch((error) => showError($('rg-error'), error.message)));
  $('rg-audit-xlsx').addEventListener('click', () => download(
    `/api/registry/units/${encodeURIComponent(state.unit.id)}/audit?format=xlsx`, $('rg-audit-xlsx'), $('rg-error')));
  try {
    state.choices = await call('/api/registry/choices');
    await reloadTree(params.get('unit'));
    await selectUnit(state.unit.id);
  } catch (error) {
    if (error.status === 401) {
      $('rg').hidden = true;
      login.hidden = false;
      return;
    }
    showError($('rg-error'), error.message);
    $('rg-tree').setAttribute('aria-busy', 'false');
  }
}

main();
