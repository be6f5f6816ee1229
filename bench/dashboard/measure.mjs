// Times navigation to body[data-ready] (every widget drawn) in headless Chromium, each load in a
// new tab whose sessionStorage already holds the read key, as after the key was pasted once.
// Usage (bench/dashboard/run.sh): node measure.mjs <playwright-core index.mjs>
const { chromium } = await import(process.argv[2]);
const url = process.env.CLV_BENCH_URL;
const key = process.env.CLV_BENCH_KEY;
const loads = Number(process.env.CLV_BENCH_LOADS ?? 5);
const browser = await chromium.launch({ executablePath: process.env.CLV_CHROMIUM, headless: true });
const times = [];
try {
  for (let i = 1; i <= loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((k) => sessionStorage.setItem("clv.apiKey", k), key);
    const page = await context.newPage();
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    const t0 = performance.now();
    await page.goto(url);
    await page.locator("body[data-ready='1']").waitFor({ state: "attached", timeout: 120_000 });
    const ms = performance.now() - t0;
    // Each request's start and end after navigation (the page, its script and style, the API
    // requests), and its wait for a connection (queued: before the request was sent), as the
    // browser's navigation and resource timing give them.
    const resources = await page.evaluate(() => [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].map((e) => ({
      path: e.name.includes("/api/v1/") ? e.name.slice(e.name.indexOf("/api/v1/") + 8) : new URL(e.name).pathname, api: e.name.includes("/api/"),
      start: e.startTime, queued: e.requestStart - e.startTime, end: e.responseEnd,
    })));
    const requests = resources.filter((r) => r.api);
    times.push(ms);
    console.log(`  load ${i}: ${ms.toFixed(0)} ms to fully drawn (${requests.length} API requests)${errors.length ? `; console errors: ${errors.join(" | ")}` : ""}`);
    if (process.env.CLV_BENCH_REQUESTS === "1") {
      for (const r of resources.sort((a, b) => a.start - b.start)) {
        console.log(`    ${r.start.toFixed(0).padStart(5)}–${r.end.toFixed(0).padStart(5)} ms (${(r.end - r.start).toFixed(0).padStart(4)} ms, queued ${r.queued.toFixed(0).padStart(4)}) ${decodeURIComponent(r.path)}`);
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
}
const warm = times.slice(1).sort((a, b) => a - b);
const median = warm.length ? warm[Math.floor(warm.length / 2)] : NaN;
console.log(`first load ${times[0].toFixed(0)} ms; later loads median ${median.toFixed(0)} ms, max ${Math.max(...warm).toFixed(0)} ms (goal: 1,500 ms)`);
