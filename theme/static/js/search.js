// Client-side search over the index written by plugins/search_index: Han text as character
// bigrams, other text as words. Only the shards a query needs are fetched.

const HAN_OR_WORD = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+/g;
const results = document.getElementById('search-results');
const status = document.getElementById('search-status');
const input = document.getElementById('search-q');
const $empty = document.getElementById('search-empty');
const base = results.dataset.index.replace(/[^/]*$/, '');

let docsPromise = null;
const shards = new Map();

function loadJson(url) {
  return fetch(url).then((r) => {
    if (!r.ok) throw new Error(`索引加载失败（${r.status}）`);
    return r.json();
  });
}

function docs() {
  if (!docsPromise) docsPromise = loadJson(results.dataset.index);
  return docsPromise;
}

function shard(index, ch) {
  const n = index.shards;
  const i = ch.codePointAt(0) % n;
  if (!shards.has(i)) shards.set(i, loadJson(base + index.files[i]));
  return shards.get(i);
}

// A query becomes groups: each group is [kind, term]; a document must match every group.
export function queryGroups(text) {
  const groups = [];
  for (const run of text.normalize('NFKC').toLowerCase().match(HAN_OR_WORD) || []) {
    if (/^[a-z0-9]/.test(run)) groups.push(['prefix', run]);
    else if (run.length === 1) groups.push(['prefix', run]);
    else for (let i = 0; i + 1 < run.length; i += 1) groups.push(['exact', run.slice(i, i + 2)]);
  }
  return groups;
}

function decode(deltas) {
  const ids = new Set();
  let id = 0;
  for (const d of deltas) {
    id += d;
    ids.add(id);
  }
  return ids;
}

async function match(index, [kind, term]) {
  const table = await shard(index, term);
  if (kind === 'exact') return decode(table[term] || []);
  const ids = new Set();
  for (const key of Object.keys(table)) {
    if (key.startsWith(term)) for (const id of decode(table[key])) ids.add(id);
  }
  return ids;
}

function render(index, ids, text) {
  results.textContent = '';
  const query = text.normalize('NFKC').toLowerCase();
  const ranked = [...ids]
    .map((id) => index.docs[id])
    .map((doc) => ({ doc, title: doc[1].normalize('NFKC').toLowerCase().includes(query) }))
    .sort((a, b) => (b.title - a.title) || b.doc[3].localeCompare(a.doc[3]));
  for (const { doc } of ranked.slice(0, 50)) {
    const [url, title, section, date, summary] = doc;
    const link = document.createElement('a');
    link.className = 'media';
    link.href = url;
    const h = document.createElement('h3');
    h.className = 'media-title';
    h.textContent = title;
    link.append(h);
    if (summary) {
      const p = document.createElement('p');
      p.className = 'media-desc';
      p.textContent = summary;
      link.append(p);
    }
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.innerHTML = '<span class="section-tag"></span><time></time>';
    meta.firstChild.textContent = section;
    meta.lastChild.textContent = date;
    link.append(meta);
    results.append(link);
  }
  status.textContent = ids.size ? `找到 ${ids.size} 篇` : '';
  $empty.hidden = ids.size > 0;
}

async function search(text) {
  const groups = queryGroups(text);
  if (!groups.length) {
    results.textContent = '';
    status.textContent = '';
    $empty.hidden = true;
    return;
  }
  status.textContent = '搜索中…';
  try {
    const index = await docs();
    let ids = null;
    for (const group of groups) {
      const found = await match(index, group);
      ids = ids === null ? found : new Set([...ids].filter((id) => found.has(id)));
      if (!ids.size) break;
    }
    render(index, ids, text);
  } catch (error) {
    status.textContent = error.message || '搜索失败，请稍后再试';
  }
}

document.getElementById('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  history.replaceState(null, '', text ? `?q=${encodeURIComponent(text)}` : location.pathname);
  search(text);
});

const initial = new URLSearchParams(location.search).get('q');
if (initial) {
  input.value = initial;
  search(initial);
}
