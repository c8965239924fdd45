// 支部家园 (/branch-home.html?unit=<branch id>): the branch's approved posts, newest first, and
// the feed of her committee's branches, read from the API (a post shows as soon as it is
// approved, no rebuild); 加载更多 follows the cursor. A member of the branch posts text and up to
// 9 photos (each uploaded straight to storage with a signed form, then named in the post; the
// request key is made once per post, so a retried 提交 makes one post), and sees her own posts
// with their review state and the reason of a refusal (修改 / 撤回). The branch's reviewers get
// the versions waiting for review (通过 / 退回 with a reason) and 下架 on approved posts.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { confirmDialog, promptDialog } from './dialog.js';
import { el, when } from './dom.js';
import { hideError, showError } from './form.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MAX_PHOTOS = 9;
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MB = 1024 * 1024;
const MAX_SIDE = 2560;

let unitId = params.get('unit') || '';
let canReview = false;
let requestKey = newKey();
const chosen = []; // {key, url} of the photos uploaded for the post being written
const cursors = { posts: null, feed: null };
let feedLoaded = false;

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// --- a post -------------------------------------------------------------------------------------

function photoGrid(photos, label) {
  const grid = el('ul', 'bh-grid');
  grid.setAttribute('aria-label', label);
  for (const p of photos) {
    const li = el('li', 'bh-grid-item');
    const img = el('img', 'bh-img');
    img.src = p.url;
    img.alt = '动态照片';
    img.loading = 'lazy';
    img.decoding = 'async';
    li.append(img);
    grid.append(li);
  }
  return grid;
}

function body(li, text, photos) {
  li.append(el('p', 'bh-text', text));
  if (photos.length) li.append(photoGrid(photos, `照片 ${photos.length} 张`));
}

function head(p, withBranch) {
  const hd = el('div', 'bh-item-hd');
  hd.append(el('span', 'bh-author', p.author_name));
  if (withBranch) hd.append(el('span', 'bh-branch', p.branch_name));
  hd.append(el('span', 'bh-time', when(p.published_at || p.created_at)));
  return hd;
}

function shownItem(p, withBranch) {
  const li = el('li', 'bh-item');
  li.dataset.id = p.id;
  li.append(head(p, withBranch));
  body(li, p.text, p.photos);
  if (p.edited) li.append(el('p', 'bh-note', '（已修改）'));
  if (canReview && !withBranch) {
    const row = el('div', 'btn-row bh-actions');
    row.append(button('下架', 'btn-default', () => takeDown(p)));
    li.append(row);
  }
  return li;
}

function button(label, extra, action) {
  const b = el('button', `btn btn-mini ${extra}`.trim(), label);
  b.type = 'button';
  b.addEventListener('click', action);
  return b;
}

function state(label, cls) {
  return el('span', `bh-state is-${cls}`, label);
}

// --- review -------------------------------------------------------------------------------------

function queueItem(p) {
  const li = el('li', 'bh-item');
  li.dataset.id = p.id;
  const hd = head(p, true);
  hd.append(state(p.shown ? '修改待审' : '待审核', 'pending'));
  li.append(hd);
  body(li, p.latest.text, p.latest.photos);
  if (p.latest.hits.length) {
    li.append(el('p', 'bh-note is-warn', `含敏感词：${p.latest.hits.join('、')}，请仔细核对`));
  }
  if (p.shown) li.append(el('p', 'bh-note', `现在展示的版本：${p.text}`));
  if (p.own) {
    li.append(el('p', 'bh-note', '这是您发布的动态，由支部其他委员或上级党组织审核。'));
    return li;
  }
  const row = el('div', 'btn-row bh-actions');
  row.append(button('退回', 'btn-default', () => decide(p, 'reject')));
  row.append(button('通过', '', () => decide(p, 'approve')));
  li.append(row);
  return li;
}

async function decide(p, decision) {
  let reason = null;
  if (decision === 'reject') {
    reason = await promptDialog({
      title: '退回这条动态',
      text: '退回的理由作者可以看到。',
      label: '退回理由',
      placeholder: '请填写退回的理由',
      required: true,
      missing: '请填写退回的理由',
      maxLength: 200,
      ok: '退回',
      danger: true,
    });
    if (reason === null) return;
  } else if (!(await confirmDialog({ title: '通过这条动态？', text: '通过后立即在支部主页和各支部动态中展示。', ok: '通过' }))) {
    return;
  }
  try {
    const sent = { decision, hash: p.latest.hash };
    if (reason) sent.reason = reason;
    await api(`/api/branch-posts/${encodeURIComponent(p.id)}/decision`, { method: 'POST', body: sent });
    toast(decision === 'approve' ? '已通过' : '已退回');
  } catch (error) {
    showError($('bh-error'), error.message);
  }
  await refreshAll();
}

async function takeDown(p) {
  const reason = await promptDialog({
    title: '下架这条动态',
    text: '下架后不再展示，理由作者可以看到。',
    label: '下架理由',
    placeholder: '请填写下架的理由',
    required: true,
    missing: '请填写下架的理由',
    maxLength: 200,
    ok: '下架',
    danger: true,
  });
  if (reason === null) return;
  try {
    await api(`/api/branch-posts/${encodeURIComponent(p.id)}/takedown`, { method: 'POST', body: { reason } });
    toast('已下架');
  } catch (error) {
    showError($('bh-error'), error.message);
  }
  await refreshAll();
}

async function loadQueue() {
  const { items } = await api('/api/branch-post-queue');
  $('bh-queue').replaceChildren(...items.map(queueItem));
  $('bh-queue-empty').hidden = items.length > 0;
}

// --- her own posts ------------------------------------------------------------------------------

function mineItem(p) {
  const li = el('li', 'bh-item');
  li.dataset.id = p.id;
  const hd = el('div', 'bh-item-hd');
  hd.append(el('span', 'bh-time', when(p.created_at)));
  const live = p.state === 'live';
  hd.append(state(p.state_label, live ? p.latest.state : p.state));
  li.append(hd);
  body(li, p.latest.text, p.latest.photos);
  if (live && p.shown && p.latest.state !== 'approved') {
    li.append(el('p', 'bh-note', '修改后的内容审核通过前，展示的仍是上次通过的版本。'));
  }
  if (p.reason) li.append(el('p', 'bh-note is-warn', `理由：${p.reason}`));
  if (live) {
    const row = el('div', 'btn-row bh-actions');
    row.append(button('撤回', 'btn-default', () => withdraw(p)));
    row.append(button('修改', 'btn-default', () => edit(p)));
    li.append(row);
  }
  return li;
}

async function edit(p) {
  const text = await promptDialog({
    title: '修改动态',
    text: '修改后需重新审核；通过前展示的仍是原来的内容。照片保持不变。',
    label: '动态内容',
    placeholder: '动态内容',
    required: true,
    missing: '请填写动态内容',
    maxLength: 500,
    ok: '提交审核',
  });
  if (text === null) return;
  try {
    const photos = p.latest.photos.map((ph) => ph.key);
    await api(`/api/branch-posts/${encodeURIComponent(p.id)}`, { method: 'PUT', body: { text, photos } });
    toast('已提交审核');
  } catch (error) {
    showError($('bh-error'), error.message);
  }
  await refreshAll();
}

async function withdraw(p) {
  if (!(await confirmDialog({ title: '撤回这条动态？', text: '撤回后不再展示，也不能恢复。', ok: '撤回', danger: true }))) return;
  try {
    await api(`/api/branch-posts/${encodeURIComponent(p.id)}/withdraw`, { method: 'POST' });
    toast('已撤回');
  } catch (error) {
    showError($('bh-error'), error.message);
  }
  await refreshAll();
}

async function loadMine() {
  const { items } = await api('/api/me/branch-posts');
  const here = items.filter((p) => p.branch_id === unitId);
  $('bh-mine').hidden = here.length === 0;
  $('bh-mine-list').replaceChildren(...here.map(mineItem));
}

// --- posting ------------------------------------------------------------------------------------

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

function send(form, blob, name) {
  const data = new FormData();
  for (const key of Object.keys(form.fields)) data.append(key, form.fields[key]);
  data.append('file', blob, name);
  return fetch(form.url, { method: 'POST', body: data }).then(
    (r) => {
      if (!r.ok) throw new Error('上传失败，请重试');
    },
    () => {
      throw new Error('网络不通，上传失败，请重试');
    },
  );
}

// A preview of a photo not yet in any post: a data: URL (the page's CSP allows no blob: images).
function dataUrl(blob) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => resolve('');
    reader.readAsDataURL(blob);
  });
}

function showChosen() {
  $('bh-photos').replaceChildren(
    ...chosen.map((c, i) => {
      const li = el('li', 'bh-grid-item');
      const img = el('img', 'bh-img');
      img.src = c.url;
      img.alt = `已选照片 ${i + 1}`;
      li.append(img);
      const remove = button('移除', 'btn-default bh-remove', () => {
        chosen.splice(i, 1);
        showChosen();
      });
      remove.setAttribute('aria-label', `移除照片 ${i + 1}`);
      li.append(remove);
      return li;
    }),
  );
}

async function addPhotos(input) {
  const files = [...input.files];
  input.value = '';
  hideError($('bh-new-error'));
  for (const file of files) {
    if (chosen.length >= MAX_PHOTOS) {
      showError($('bh-new-error'), `每条动态最多 ${MAX_PHOTOS} 张照片`);
      break;
    }
    try {
      const ok = PHOTO_TYPES.includes(file.type) && file.size <= 10 * MB;
      const blob = ok ? file : await reencode(file);
      const name = blob === file ? file.name : `${file.name.replace(/\.[^.]*$/, '')}.jpg`;
      const form = await api('/api/branch-post-uploads', {
        method: 'POST',
        body: { name, content_type: blob === file ? file.type : 'image/jpeg', size: blob.size },
      });
      await send(form, blob, name);
      chosen.push({ key: form.key, url: await dataUrl(blob) });
      showChosen();
    } catch (error) {
      showError($('bh-new-error'), `${file.name}：${error.message}`);
    }
  }
}

function setUpForm() {
  const form = $('bh-new');
  form.hidden = false;
  $('bh-submit').disabled = false;
  $('bh-photo-input').addEventListener('change', (e) => addPhotos(e.target));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError($('bh-new-error'));
    const text = $('bh-text').value.trim();
    if (!text) return showError($('bh-new-error'), '请填写动态内容');
    $('bh-submit').disabled = true;
    try {
      await api('/api/branch-posts', {
        method: 'POST',
        body: { text, photos: chosen.map((c) => c.key), request_key: requestKey },
      });
      requestKey = newKey();
      form.reset();
      chosen.length = 0;
      showChosen();
      toast('已提交，支部审核通过后展示');
      await refreshAll();
    } catch (error) {
      showError($('bh-new-error'), error.message);
    } finally {
      $('bh-submit').disabled = false;
    }
    return null;
  });
}

// --- lists --------------------------------------------------------------------------------------

async function loadPosts(more = false) {
  const cursor = more && cursors.posts ? `&cursor=${encodeURIComponent(cursors.posts)}` : '';
  const view = await api(`/api/branch-posts?unit=${encodeURIComponent(unitId)}${cursor}`);
  canReview = view.can_review;
  const items = view.items.map((p) => shownItem(p, false));
  if (more) $('bh-posts').append(...items);
  else $('bh-posts').replaceChildren(...items);
  cursors.posts = view.next;
  $('bh-posts').setAttribute('aria-busy', 'false');
  $('bh-posts-empty').hidden = $('bh-posts').children.length > 0;
  $('bh-posts-more').hidden = !view.next;
  return view;
}

async function loadFeed(more = false) {
  const cursor = more && cursors.feed ? `?cursor=${encodeURIComponent(cursors.feed)}` : '';
  const view = await api(`/api/branch-feed${cursor}`);
  const items = view.items.map((p) => shownItem(p, true));
  if (more) $('bh-feed').append(...items);
  else $('bh-feed').replaceChildren(...items);
  cursors.feed = view.next;
  feedLoaded = true;
  $('bh-feed-empty').hidden = $('bh-feed').children.length > 0;
  $('bh-feed-more').hidden = !view.next;
}

function showTab(which) {
  const feed = which === 'feed';
  $('bh-tab-branch').classList.toggle('is-on', !feed);
  $('bh-tab-feed').classList.toggle('is-on', feed);
  $('bh-tab-branch').setAttribute('aria-selected', String(!feed));
  $('bh-tab-feed').setAttribute('aria-selected', String(feed));
  $('bh-branch-panel').hidden = feed;
  $('bh-feed-panel').hidden = !feed;
  if (feed && !feedLoaded) loadFeed().catch((error) => showError($('bh-error'), error.message));
}

async function refreshAll() {
  const jobs = [loadPosts()];
  if (canReview) jobs.push(loadQueue());
  if (!$('bh-new').hidden) jobs.push(loadMine());
  if (feedLoaded) jobs.push(loadFeed());
  await Promise.all(jobs).catch((error) => showError($('bh-error'), error.message));
}

function signedOut() {
  $('bh').hidden = true;
  $('bh-login').hidden = false;
}

async function main() {
  const login = $('bh-login');
  login.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  if (!isSignedIn()) return;
  login.hidden = true;
  $('bh').hidden = false;
  if (!getToken() && !(await refresh())) {
    signedOut();
    return;
  }
  $('bh-tab-branch').addEventListener('click', () => showTab('branch'));
  $('bh-tab-feed').addEventListener('click', () => showTab('feed'));
  $('bh-posts-more').addEventListener('click', () => loadPosts(true).catch((e) => showError($('bh-error'), e.message)));
  $('bh-feed-more').addEventListener('click', () => loadFeed(true).catch((e) => showError($('bh-error'), e.message)));
  try {
    const view = await loadPosts();
    unitId = view.branch.id;
    $('bh-branch').textContent = view.branch.name;
    canReview = view.can_review;
    const jobs = [];
    if (view.can_post) {
      setUpForm();
      jobs.push(loadMine());
    }
    if (canReview) {
      $('bh-review').hidden = false;
      jobs.push(loadQueue());
    }
    await Promise.all(jobs);
  } catch (error) {
    if (error.status === 401) signedOut();
    else showError($('bh-error'), `暂时无法显示：${error.message}`);
    $('bh-posts').setAttribute('aria-busy', 'false');
  }
}

main();
