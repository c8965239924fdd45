// Lighthouse (mobile preset: simulated 150 ms RTT, 1.6 Mbps, 4x CPU slowdown) on a list of pages,
// in one Debian Chromium driven through puppeteer-core, as a member who is signed in or not.
//
//   node tools/benches/lighthouse_run.mjs job.json > results.json
//
// job.json: {"chrome": "/usr/bin/chromium", "origin": "http://127.0.0.1:PORT",
//            "pages": [["name", "/path"], ...], "refresh_cookie": "dj_rt value" | null,
//            "reports": "folder for the full JSON reports" | null, "runs": 3}
// A signed-in member arrives as a returning member does: the refresh cookie and the page's
// `signed_in` mark, no access token yet (so every page first refreshes, then fills its panels).
// The browser's HTTP cache is emptied before each run: every figure is a first visit.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const browser = await puppeteer.launch({
  executablePath: job.chrome,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});

async function audit(page, cdp, url) {
  // Storage of the origin as the member left it: the mark, never an access token.
  await page.goto(`${job.origin}/404-lighthouse-setup`, { waitUntil: "load" });
  await page.evaluate((signedIn) => {
    sessionStorage.clear();
    if (signedIn) localStorage.setItem("signed_in", "1");
    else localStorage.clear();
  }, Boolean(job.refresh_cookie));
  await cdp.send("Network.clearBrowserCache");
  return lighthouse(
    job.origin + url,
    {
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "seo"],
      disableStorageReset: true,
    },
    undefined,
    page,
  );
}

const results = [];
try {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  if (job.refresh_cookie) {
    await page.setCookie({
      name: "dj_rt",
      value: job.refresh_cookie,
      url: job.origin,
      path: "/api/auth",
      httpOnly: true,
    });
  }
  for (const [name, url] of job.pages) {
    // Lighthouse's advice for a noisy machine: several runs, the median one by performance.
    const runs = [];
    for (let i = 0; i < (job.runs || 1); i += 1) runs.push(await audit(page, cdp, url));
    runs.sort((a, b) => a.lhr.categories.performance.score - b.lhr.categories.performance.score);
    const run = runs[Math.floor(runs.length / 2)];
    const lhr = run.lhr;
    const failing = (category) =>
      lhr.categories[category].auditRefs
        .filter((ref) => ref.weight > 0)
        .map((ref) => lhr.audits[ref.id])
        .filter((a) => a.score !== null && a.score < 1)
        .map((a) => a.id);
    results.push({
      name,
      url,
      final_url: lhr.finalDisplayedUrl,
      runs: runs.length,
      performance: Math.round(lhr.categories.performance.score * 100),
      performance_range: runs.map((r) => Math.round(r.lhr.categories.performance.score * 100)),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      seo: Math.round(lhr.categories.seo.score * 100),
      // The goal is 0 every time: the worst run's shift, not the median's.
      cls: Math.max(...runs.map((r) => r.lhr.audits["cumulative-layout-shift"].numericValue)),
      lcp_ms: lhr.audits["largest-contentful-paint"].numericValue,
      transfer_bytes: lhr.audits["total-byte-weight"].numericValue,
      failing: { accessibility: failing("accessibility"), seo: failing("seo"), performance: failing("performance") },
      runtime_error: lhr.runtimeError ? lhr.runtimeError.code : null,
    });
    if (job.reports) {
      mkdirSync(job.reports, { recursive: true });
      writeFileSync(path.join(job.reports, `${name}.json`), run.report);
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 2));
