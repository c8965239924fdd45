// Reading progress bar: how far the reader has scrolled through the article body.
const bar = document.getElementById('read-progress');
const article = document.querySelector('article[data-slug]');

let pending = false;

function update() {
  pending = false;
  const rect = article.getBoundingClientRect();
  const scrollable = rect.height - window.innerHeight;
  const ratio = scrollable <= 0 ? 1 : Math.min(1, Math.max(0, -rect.top / scrollable));
  bar.style.transform = `scaleX(${ratio})`;
  bar.setAttribute('aria-valuenow', String(Math.round(ratio * 100)));
}

function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(update);
  }
}

if (bar && article) {
  addEventListener('scroll', schedule, { passive: true });
  addEventListener('resize', schedule);
  update();
}
