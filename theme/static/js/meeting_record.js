// 会议记录 (/meeting-record.html?id=<meeting id>): the organiser writes the minutes and decisions
// on her phone, uploads photos (from the camera or the album) and attachments straight to storage
// with the form the API signs — with progress —, attaches them, then 提交并锁定 (a confirm
// dialog). After the lock: the record, its corrections, and a 更正 form for the organiser. A
// member who may read the record sees it read-only. Signed out, the API sends her to log in.
import { api, requireLogin } from './api.js';
import { confirmDialog } from './dialog.js';
import { el, when } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

requireLogin();

const $ = (id) => document.getElementById(id);
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MB = 1024 * 1024;
const MAX_SIDE = 2560; // a photo re-encoded on the phone (too large, or HEIC) is at most this wide
const FIELD_LABELS = {
  minutes: '会议记录',
  decisions: '会议决定',
  visible_to_members: '公开范围',
  photos: '现场照片',
  attachments: '附件',
};

const meetingId = new URLSearchParams(location.search).get('id') || '';
const base = `/api/meetings/${encodeURIComponent(meetingId)}`;
let record = null;

function error(message) {
  showError($('mr-error'), message);
  $('mr-error').scrollIntoView({ block: 'nearest' });
}

function head(r) {
  const m = r.meeting;
  $('mr-kind').textContent = m.kind_label;
  $('mr-title').textContent = m.topic;
  document.title = `${m.topic} · 会议记录`;
  $('mr-meta').textContent = [when(m.starts_at), m.place, m.unit_name].filter(Boolean).join(' · ');
  const state = $('mr-state');
  state.hidden = false;
  state.classList.toggle('is-locked', r.locked);
  if (r.locked) {
    state.textContent = `已提交锁定（${when(r.locked_at)}${r.locked_by_name ? `，${r.locked_by_name}` : ''}）`;
  } else {
    state.textContent = m.state === 'cancelled' ? '会议已取消' : '草稿：尚未提交';
  }
}

function photoItem(file) {
  const li = el('li');
  const link = el('a', 'mr-photo');
  link.href = file.url;
  link.target = '_blank';
  link.rel = 'noopener';
  const img = el('img');
  img.src = file.url;
  img.alt = file.name;
  img.loading = 'lazy';
  link.append(img);
  li.append(link);
  return li;
}

function fileItem(file) {
  const li = el('li');
  const link = el('a', '', `${file.name}（${Math.max(1, Math.round(file.size / 1024))} KB）`);
  link.href = file.url;
  li.append(link);
  return li;
}

function decisionRow(text) {
  const li = el('li');
  const row = el('div', 'mr-decision');
  const input = el('input');
  input.type = 'text';
  input.maxLength = 200;
  input.value = text;
  input.setAttribute('aria-label', '会议决定');
  const remove = el('button', 'mr-remove', '删除');
  remove.type = 'button';
  remove.addEventListener('click', () => li.remove());
  row.append(input, remove);
  li.append(row);
  return li;
}

function count() {
  $('mr-count').textContent = `${$('mr-minutes').value.length} / 20000 字`;
}

function showEdit(r) {
  $('mr-edit').hidden = false;
  $('mr-view').hidden = true;
  if (!$('mr-edit').dataset.filled) {
    $('mr-minutes').value = r.minutes;
    $('mr-decisions').replaceChildren(...r.decisions.map(decisionRow));
    $('mr-visible').checked = r.visible_to_members;
    $('mr-edit').dataset.filled = '1';
    count();
  }
  $('mr-photos').replaceChildren(...r.photos.map((f) => removable(photoItem(f), f, 'photos')));
  $('mr-files').replaceChildren(...r.attachments.map((f) => removable(fileItem(f), f, 'attachments')));
}

// Before the lock a wrong photo or file can be removed (a confirm, then the draft is saved with
// the others kept; storage deletes it).
function removable(li, file, field) {
  const button = el('button', 'mr-remove mr-remove-file', '删除');
  button.type = 'button';
  button.setAttribute('aria-label', `删除 ${file.name}`);
  button.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: `删除「${file.name}」？`, ok: '删除', danger: true });
    if (!ok) return;
    hideError($('mr-error'));
    try {
      await save({ [field]: record[field].map((f) => f.key).filter((k) => k !== file.key) });
      toast('已删除');
    } catch (e) {
      error(e.message);
    }
  });
  li.append(button);
  return li;
}

function historyItem(c) {
  const li = el('li');
  // eslint-disable-next-line es-x/no-array-prototype-at, es-x/no-string-prototype-at -- c.at is a field (the time)
  const time = when(c.at);
  li.append(
    el('span', 'mr-history-meta', `${time} ${c.by_name || c.by} 更正了${FIELD_LABELS[c.field] || c.field}`),
    el('span', '', `说明：${c.reason}`),
  );
  // Only staff get the text before a correction; a member sees who, when, why and which field.
  if ('before' in c) li.append(el('span', 'mr-history-diff', `原为：${c.before || '（空）'}`));
  return li;
}

function showView(r) {
  $('mr-edit').hidden = true;
  $('mr-view').hidden = false;
  $('mr-view-minutes').textContent = r.minutes || '（无）';
  $('mr-view-decisions').replaceChildren(...r.decisions.map((d) => el('li', '', d)));
  $('mr-view-photos').replaceChildren(...r.photos.map(photoItem));
  $('mr-view-photos-title').hidden = r.photos.length === 0;
  $('mr-view-files').replaceChildren(...r.attachments.map(fileItem));
  $('mr-view-files-title').hidden = r.attachments.length === 0;
  $('mr-history').replaceChildren(...r.corrections.map(historyItem));
  $('mr-history-title').hidden = r.corrections.length === 0;
  $('mr-correct').hidden = !r.may_correct;
  if (r.may_correct) fillCorrection();
}

function show(r) {
  record = r;
  head(r);
  if (r.may_edit) showEdit(r);
  else showView(r);
}

function decisions() {
  return [...document.querySelectorAll('#mr-decisions input')].map((i) => i.value.trim()).filter(Boolean);
}

async function save(files = {}) {
  const body = { minutes: $('mr-minutes').value, decisions: decisions(), visible_to_members: $('mr-visible').checked };
  const r = await api(`${base}/record`, { method: 'PUT', body: Object.assign(body, files) });
  show(r);
  return r;
}

// --- uploads: the signed form, straight to storage, then attached ---------------------------

// A photo the server would refuse for its size or type (a 12 MB camera JPEG, a HEIC) is drawn
// on a canvas and sent as a JPEG instead; anything the phone cannot draw is sent as it is.
function reencode(file) {
  return new Promise((resolve) => {
    const img = new Image();
    const url = URL.createObjectURL(file);
    img.onload = () => {
      const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => resolve(blob || file), 'image/jpeg', 0.85);
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      resolve(file);
    };
    img.src = url;
  });
}

async function photoBlob(file) {
  if (PHOTO_TYPES.includes(file.type) && file.size <= 10 * MB) return file;
  return reencode(file);
}

// POST the form's fields, then the file, with progress (fetch cannot report an upload's).
function post(form, blob, name, bar) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const key of Object.keys(form.fields)) data.append(key, form.fields[key]);
    data.append('file', blob, name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = event.loaded / event.total;
    };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error('上传失败，请重试')));
    xhr.onerror = () => reject(new Error('网络不通，上传失败，请重试'));
    xhr.send(data);
  });
}

function typeOf(file, kind) {
  if (file.type) return file.type;
  const ext = file.name.split('.').pop().toLowerCase();
  const types = {
    pdf: 'application/pdf',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  };
  return kind === 'attachment' ? types[ext] || '' : '';
}

async function uploadOne(file, kind, list) {
  const item = el('li', 'mr-upload', `${file.name}：准备中…`);
  const bar = el('progress');
  bar.max = 1;
  bar.value = 0;
  item.append(bar);
  list.append(item);
  try {
    const blob = kind === 'photo' ? await photoBlob(file) : file;
    const name = blob === file ? file.name : file.name.replace(/\.[^.]*$/, '') + '.jpg';
    const contentType = blob === file ? typeOf(file, kind) : 'image/jpeg';
    const form = await api(`${base}/uploads`, {
      method: 'POST',
      body: { kind, name, content_type: contentType, size: blob.size },
    });
    item.firstChild.textContent = `${name}：上传中…`;
    await post(form, blob, name, bar);
    item.firstChild.textContent = `${name}：正在检查…`;
    show(await api(`${base}/files`, { method: 'POST', body: { key: form.key, kind, name } }));
    item.remove();
  } catch (e) {
    item.classList.add('is-failed');
    item.firstChild.textContent = `${file.name}：${e.message}`;
    bar.remove();
  }
}

async function uploadAll(input, kind, list) {
  const files = [...input.files];
  input.value = '';
  hideError($('mr-error'));
  for (const file of files) await uploadOne(file, kind, list); // one at a time on a weak network
}

// --- the lock and corrections ---------------------------------------------------------------

// Who the lock would record absent now (neither checked in nor on approved leave): said in the
// confirm dialog, so a record is not locked while people are still arriving.
async function notCheckedIn() {
  try {
    const c = (await api(base)).counts;
    const left = c ? c.attendees - c.present - c.leave_approved : 0;
    return left > 0 ? `目前还有 ${left} 人未签到、未请假，提交后将记为缺席；如有迟到，可在签到页更正。` : '';
  } catch {
    return ''; // the lock itself decides; the dialog only informs
  }
}

async function submit() {
  hideError($('mr-error'));
  if (!$('mr-minutes').value.trim()) {
    error('请先填写会议记录再提交');
    return;
  }
  const ok = await confirmDialog({
    title: '提交并锁定会议记录？',
    text: `提交后记录锁定，不能再直接修改；如需修改，须提交更正说明。参会情况和积分将按签到与请假结算。${await notCheckedIn()}`,
    ok: '提交并锁定',
  });
  if (!ok) return;
  const button = $('mr-submit');
  button.disabled = true;
  try {
    await save();
    show(await api(`${base}/submit`, { method: 'POST' }));
    await settle();
    toast('记录已提交锁定');
    window.scrollTo(0, 0);
  } catch (e) {
    error(e.message);
    // The lock may have happened before the failure: show the record as it is now, and finish
    // its settling from there (a second tap would only meet the lock's 409).
    try {
      show(await api(`${base}/record`));
      await settle();
    } catch {
      // the error above stays shown
    }
  } finally {
    button.disabled = false;
  }
}

// A locked record whose attendance is not settled yet (a settle that stopped: its time budget
// spent, a failure half-way) is finished by calling submit again — no save: the record is locked.
// The API settles a slice per call, so the page calls until it answers settled.
async function settle() {
  if (!record || !record.locked || record.settled || !record.may_correct) return;
  const box = $('mr-settle');
  const text = $('mr-settle-text');
  const retry = $('mr-settle-retry');
  box.hidden = false;
  retry.hidden = true;
  text.textContent = '正在结算出勤积分…';
  try {
    for (let i = 0; i < 200 && !record.settled; i += 1) {
      const r = await api(`${base}/submit`, { method: 'POST' });
      show(r);
      const p = r.settle_progress;
      if (!r.settled && p) text.textContent = `正在结算出勤积分…（${p.done}/${p.total}）`;
    }
    if (!record.settled) throw new Error('结算尚未完成');
    box.hidden = true;
  } catch (e) {
    text.textContent = `出勤积分结算未完成：${e.message}`;
    retry.hidden = false;
  }
}

function fillCorrection() {
  const field = $('mr-correct-field').value;
  const value = $('mr-correct-value');
  if (field === 'minutes') value.value = record.minutes;
  else if (field === 'decisions') value.value = record.decisions.join('\n');
  else value.value = record.visible_to_members ? '公开' : '不公开';
  value.readOnly = field === 'visible_to_members';
}

async function correct(event) {
  event.preventDefault();
  hideError($('mr-error'));
  const field = $('mr-correct-field').value;
  const raw = $('mr-correct-value').value;
  let value = raw;
  if (field === 'decisions') value = raw.split('\n').map((d) => d.trim()).filter(Boolean);
  if (field === 'visible_to_members') value = !record.visible_to_members;
  const button = $('mr-correct-send');
  button.disabled = true;
  try {
    show(await api(`${base}/corrections`, {
      method: 'POST',
      body: { field, value, reason: $('mr-correct-reason').value.trim() },
    }));
    $('mr-correct-reason').value = '';
    toast('更正已提交');
  } catch (e) {
    error(e.message);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  if (!meetingId) {
    $('mr-title').textContent = '会议记录';
    error('缺少会议编号，请从会议列表进入');
    return;
  }
  try {
    show(await api(`${base}/record`));
  } catch (e) {
    $('mr-title').textContent = '会议记录';
    error(e.message);
    return;
  }
  $('mr-minutes').addEventListener('input', count);
  $('mr-add-decision').addEventListener('click', () => {
    const row = decisionRow('');
    $('mr-decisions').append(row);
    row.querySelector('input').focus();
  });
  $('mr-edit').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('mr-error'));
    const button = $('mr-save');
    button.disabled = true;
    try {
      await save();
      toast('已保存');
    } catch (e) {
      error(e.message);
    } finally {
      button.disabled = false;
    }
  });
  $('mr-photo-input').addEventListener('change', (e) => uploadAll(e.target, 'photo', $('mr-photo-progress')));
  $('mr-file-input').addEventListener('change', (e) => uploadAll(e.target, 'attachment', $('mr-file-progress')));
  $('mr-submit').addEventListener('click', submit);
  $('mr-correct-field').addEventListener('change', fillCorrection);
  $('mr-correct').addEventListener('submit', correct);
  $('mr-settle-retry').addEventListener('click', settle);
  await settle(); // the organiser finishes a lock left unsettled as soon as she opens it
}

main();
