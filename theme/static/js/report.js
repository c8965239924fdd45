// 年度党建报告: the member's own year. "Share" switches to a card that shows only what she
// chooses to show (her name, the year's points and highlights — no member number, no log),
// to screenshot or forward; the link opens each colleague's own report, never hers.
import { api, requireLogin } from './api.js';
import { barChart, mixBars, starsText } from './charts.js';

requireLogin(); // a login that ended goes to login and back here (api.js)

const $ = (id) => document.getElementById(id);

function yearFromQuery() {
  const year = new URLSearchParams(location.search).get('year');
  return /^\d{4}$/.test(year || '') ? year : String(new Date().getFullYear());
}

async function main() {
  const year = yearFromQuery();
  $('report-year').textContent = `${year} 年度党建报告`;
  let data;
  try {
    data = await api(`/api/points/report/${year}`);
  } catch (error) {
    if (error.status === 401) {
      location.replace(`/login.html?next=${encodeURIComponent(`/report.html?year=${year}`)}`);
      return;
    }
    $('report-error').textContent = error.message;
    $('report-error').hidden = false;
    return;
  }
  document.title = `${data.name} · ${year} 年度党建报告`;
  $('report-name').textContent = data.name;
  $('report-branch').textContent = data.branch;
  $('report-points').textContent = data.points;
  $('report-active').textContent = `${data.active_months} 个月`;
  $('report-articles').textContent = `${data.articles_credited} 篇`;
  $('report-constitution').textContent = `${data.constitution_days_credited} 天`;
  $('report-best').textContent = data.best_month
    ? `${Number(data.best_month.month.slice(5))} 月（${data.best_month.points} 分）`
    : '—';
  if (data.standing) {
    $('report-rank').textContent = `支部第 ${data.standing.rank} 名 ${starsText(data.standing.stars)}`;
    $('report-rank-row').hidden = false;
  }
  barChart(
    $('report-months'),
    data.months.map((m) => ({ label: String(Number(m.month.slice(5))), value: m.points })),
  );
  mixBars($('report-mix'), data.mix.map((m) => ({ label: m.label, value: m.points })));
  const share = $('report-share');
  share.disabled = false;
  share.addEventListener('click', () => {
    const on = document.body.classList.toggle('share-mode');
    share.textContent = on ? '返回完整报告' : '生成分享卡片';
    $('share-tip').hidden = !on;
  });
}

main();
