// 上传音视频 (/console-media.html): a staff member uploads a 微党课 video or audio file the way
// `make upload-media` does (tools/upload_media.py, the API's media_uploads.py): refused up front
// when its extension is not the kind's or it is over the kind's size (the kinds and limits are
// the page's radio buttons, rendered from lesson_rules: never copied here), its SHA-256 computed
// here, a pre-signed PUT asked of the API (POST /api/media/uploads), the bytes PUT straight to
// storage with exactly the headers the API names (they are signed), then the API's check
// (POST /api/media/uploads/check), which keeps it as media/<sha256>.<ext> or refuses and deletes
// it. Shows the lines to paste into the lesson's Markdown. Text from the API is set as text only.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { $ } from './console_kit.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const MB = 1024 * 1024;
// Storage answering 5xx or the connection dropping: the PUT is sent again this many times (the
// same bytes to the same name: safe to repeat).
const PUT_RETRIES = 2;

let busy = false;

const kinds = () => [...document.querySelectorAll('input[name="kind"]')];
const chosenKind = () => kinds().find((input) => input.checked);
const extOf = (name) => (name.includes('.') ? name.split('.').pop().toLowerCase() : '');
const sizeText = (bytes) => (bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

// What the API would refuse of the declared file (media_uploads.check_declared), said the same way.
function refusal(file, kind) {
  const ext = extOf(file.name);
  const { label, maxBytes, maxMb } = kind.dataset;
  if (ext !== kind.dataset.ext) {
    const other = kinds().find((input) => input.dataset.ext === ext);
    if (other) return `这是${other.dataset.label}文件（.${ext}），请选择「${other.dataset.label}」`;
    const allowed = kinds().map((input) => `.${input.dataset.ext}（${input.dataset.label}）`);
    return `${label}须为 .${kind.dataset.ext} 文件：只能上传 ${allowed.join('或 ')}文件，其他格式请先用 ffmpeg 转换`;
  }
  if (file.size <= 0) return `${label}是空文件`;
  if (file.size > Number(maxBytes)) return `${label}不能超过 ${maxMb} MB（此文件 ${sizeText(file.size)}）`;
  return '';
}

function currentFile() {
  const input = $('cm-file');
  return input.files && input.files.length ? input.files[0] : null;
}

// The picked file and the chosen kind, judged again whenever either changes.
function judge() {
  const file = currentFile();
  const error = $('cm-error');
  hideError(error);
  $('cm-file').removeAttribute('aria-invalid');
  if (!file) {
    $('cm-submit').disabled = true;
    return;
  }
  const problem = refusal(file, chosenKind());
  if (problem) {
    showError(error, problem);
    $('cm-file').setAttribute('aria-invalid', 'true');
  }
  $('cm-submit').disabled = busy || Boolean(problem);
}

function picked() {
  const file = currentFile();
  $('cm-file-name').textContent = file ? `${file.name}（${sizeText(file.size)}）` : '未选择文件';
  const byExt = file && kinds().find((input) => input.dataset.ext === extOf(file.name));
  if (byExt) byExt.checked = true;
  $('cm-result').hidden = true;
  $('cm-progress-box').hidden = true;
  judge();
}

// --- progress ---------------------------------------------------------------------------------

function status(text, percent = null) {
  $('cm-progress-box').hidden = false;
  $('cm-status').textContent = text;
  const bar = $('cm-progress');
  if (percent === null) {
    bar.removeAttribute('value'); // indeterminate: hashing and checking say nothing of how far
    $('cm-percent').textContent = '';
  } else {
    bar.value = percent;
    $('cm-percent').textContent = `${percent}%`;
  }
}

// --- the steps --------------------------------------------------------------------------------

async function sha256(file) {
  if (!window.crypto || !window.crypto.subtle) {
    throw new Error('此浏览器无法计算文件指纹（需要 https 页面和新版浏览器），请换用电脑上的新版浏览器');
  }
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch {
    throw new Error('浏览器无法读取这个文件（可能太大），请在电脑上用 make upload-media 命令上传');
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// One PUT of the file to the pre-signed URL with the signed headers, reporting progress.
function putOnce(file, answer) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(answer.method || 'PUT', answer.url);
    for (const [name, value] of Object.entries(answer.headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total) {
        status('正在上传…', Math.min(99, Math.floor((event.loaded / event.total) * 100)));
      }
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(Object.assign(new Error(`上传到存储失败（${xhr.status}），请重试`), { status: xhr.status }));
    });
    xhr.addEventListener('error', () => reject(Object.assign(new Error('网络异常，上传中断，请检查网络后重试'), { status: 0 })));
    xhr.addEventListener('abort', () => reject(Object.assign(new Error('上传已中断，请重试'), { status: 0 })));
    xhr.send(file);
  });
}

async function put(file, answer) {
  for (let attempt = 0; ; attempt++) {
    try {
      await putOnce(file, answer);
      return;
    } catch (error) {
      if (attempt >= PUT_RETRIES || (error.status !== 0 && error.status < 500)) throw error;
      status('网络不稳定，正在重新上传…', 0);
    }
  }
}

function done(file, kind, answer, uploaded) {
  const lines = answer.lines || [];
  const duration = (lines.find((line) => line.startsWith('Duration: ')) || '').slice(10);
  const facts = [kind.dataset.label + (duration ? ` ${duration}` : '')];
  if (answer.width && answer.height) facts.push(`${answer.width}×${answer.height}`);
  facts.push(sizeText(answer.size || file.size));
  const how = uploaded ? '已上传并通过检查' : '存储中已有这个文件，无需再传';
  $('cm-summary').textContent = `${file.name}：${facts.join('，')}，${how}。`;
  $('cm-lines').textContent = lines.join('\n');
  $('cm-result').hidden = false;
  $('cm-result').scrollIntoView({ block: 'nearest' });
}

async function upload(event) {
  event.preventDefault();
  const file = currentFile();
  const kind = chosenKind();
  if (busy || !file || refusal(file, kind)) return;
  busy = true;
  const controls = [$('cm-file'), $('cm-submit'), ...kinds()];
  for (const control of controls) control.disabled = true;
  hideError($('cm-error'));
  $('cm-result').hidden = true;
  try {
    status('正在计算文件指纹…');
    const hash = await sha256(file);
    const declared = { name: file.name, size: file.size, sha256: hash, kind: kind.value };
    const answer = await api('/api/media/uploads', { method: 'POST', body: declared });
    if (answer.exists) {
      status('存储中已有这个文件', 100);
      done(file, kind, answer, false);
      return;
    }
    status('正在上传…', 0);
    await put(file, answer);
    status('上传完成，正在检查文件…', 100);
    const checked = await api('/api/media/uploads/check', {
      method: 'POST',
      body: { sha256: hash, kind: kind.value },
    });
    status('上传完成，已通过检查', 100);
    done(file, kind, checked, !checked.exists);
  } catch (error) {
    $('cm-progress-box').hidden = true;
    showError($('cm-error'), error.message || '上传失败，请稍后重试');
  } finally {
    busy = false;
    for (const control of controls) control.disabled = false;
    // The same file may be sent again (after a network error); judge() would hide the message.
    $('cm-submit').disabled = Boolean(refusal(file, kind));
  }
}

async function copyLines() {
  const box = $('cm-lines');
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    // eslint-disable-next-line compat/compat -- feature-checked above: the old way below otherwise
    await navigator.clipboard.writeText(box.textContent);
  } catch {
    // No clipboard API here (an http page, an old webview): the lines selected, the old way.
    const range = document.createRange();
    range.selectNodeContents(box);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (!document.execCommand('copy')) {
      toast('请长按选中后复制', { icon: false });
      return;
    }
  }
  toast('已复制');
}

async function main() {
  const login = $('cm-login');
  if (!isSignedIn()) return;
  login.hidden = true;
  $('cm').hidden = false;
  if (!getToken() && !(await refresh())) {
    $('cm').hidden = true;
    login.hidden = false;
    return;
  }
  $('cm-file').addEventListener('change', picked);
  for (const input of kinds()) input.addEventListener('change', judge);
  $('cm-form').addEventListener('submit', upload);
  $('cm-copy').addEventListener('click', copyLines);
  picked(); // a file the browser kept across a reload
}

main();
