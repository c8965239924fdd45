// 介绍信 (/transfer-letter.html?id=<transfer>): the letter of a transfer out, its fields filled
// into the organisation's text (_transfer_letter.html: spans with data-field), printed on A4.
import { api, getToken, isSignedIn, refresh } from './api.js';
import { showError } from './form.js';

const $ = (id) => document.getElementById(id);

function cnDate(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

function fill(t) {
  const values = {
    letter_no: t.letter_no || '',
    member_name: t.member_name,
    status_label: t.status_label || '党员',
    other_org: t.other_org || '',
    from_name: t.from ? t.from.name : '',
    reason: t.reason,
    date: cnDate(t.started_at),
    limit_days: String(t.limit_days),
    org_name: t.org_name || '',
  };
  for (const span of document.querySelectorAll('[data-field]')) {
    span.textContent = values[span.dataset.field] || '';
  }
}

async function main() {
  const id = new URLSearchParams(location.search).get('id') || '';
  if (!isSignedIn()) return;
  $('tl-login').hidden = true;
  if (!getToken() && !(await refresh())) {
    $('tl-login').hidden = false;
    return;
  }
  try {
    const t = await api(`/api/transfers/${encodeURIComponent(id)}`);
    if (t.kind !== 'out' || !t.letter_no) throw new Error('该转接没有介绍信');
    fill(t);
    $('tl').hidden = false;
    $('tl-tools').hidden = false;
    if (t.from) $('tl-back').href = `/transfers.html?unit=${encodeURIComponent(t.from.id)}`;
    const print = $('tl-print');
    print.disabled = false;
    print.addEventListener('click', () => window.print());
  } catch (error) {
    showError($('tl-error'), `介绍信暂时无法显示：${error.message}`);
  }
}

main();
