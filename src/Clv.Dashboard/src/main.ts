// The dashboard: reads the key and the controls, asks the REST API for every figure, and draws
// the widgets. body[data-ready] counts the loads whose widgets were all drawn (1 after the first).
import { api, ApiError, apiKey, ok, type Summary } from "./api";
import { chartsReady, frame } from "./charts";
import { byId, failed, showStatus } from "./dom";
import type { Query } from "./query";
import { atRiskList, renderAtRisk } from "./widgets/atrisk";
import { renderChannels } from "./widgets/channels";
import { renderCohorts } from "./widgets/cohorts";
import { renderKpis } from "./widgets/kpis";
import { latestRun, renderModelRun } from "./widgets/modelrun";
import { renderSegments, segmentFields } from "./widgets/segments";
import { renderSeries, seriesMetrics } from "./widgets/timeseries";

const keyInput = byId("api-key") as HTMLInputElement;
const asOfInput = byId("as-of") as HTMLInputElement;
const periodInput = byId("period") as HTMLSelectElement;
const perChannelInput = byId("per-channel") as HTMLInputElement;
let loads = 0;
let drawn = 0;

function query(): Query {
  return { asOf: asOfInput.value, period: periodInput.value === "quarter" ? "quarter" : "month", perChannel: perChannelInput.checked };
}

/** Without a chosen day: the day of the latest purchase stored, so the last column is not years of nothing. */
async function defaultAsOf(): Promise<string> {
  const page = await ok(api.GET("/api/v1/customers", { params: { query: { sort: "lastPurchaseAt", direction: "desc", pageSize: 1 } } }));
  return page.items[0]?.historical.lastPurchaseAt?.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
}

async function load(): Promise<void> {
  const load = ++loads;
  document.body.removeAttribute("data-ready");
  if (!apiKey.get()) {
    showStatus("Paste an API key with the read scope to see your figures. It is kept in this tab only.");
    return;
  }
  showStatus("Loading…");
  // The model runs do not depend on the day: asked while the default day is looked up. They
  // decide the at-risk list's order: by predicted CLV when a run is active (what such a portfolio
  // is ranked by), else by historical CLV.
  const runs = ok(api.GET("/api/v1/model-runs", { params: { query: { limit: 20 } } }));
  const sort = runs.then((all) => (all.some((r) => r.active) ? "predictedClv" as const : "historicalClv" as const), () => "historicalClv" as const);
  const known: { sort?: "predictedClv" | "historicalClv" } = {};
  void sort.then((s) => { known.sort = s; });
  try {
    if (!asOfInput.value) asOfInput.value = await defaultAsOf();
  } catch (e) {
    report(e);
    return;
  }
  const q = query();
  const common = { asOf: q.asOf, period: q.period };
  // The at-risk list is asked first when the runs have answered (as they usually have while the
  // default day was looked up), else as soon as they do, without holding back the rest.
  const atRisk = known.sort ? atRiskList(q, known.sort) : sort.then((s) => atRiskList(q, s));
  const summary = ok(api.GET("/api/v1/metrics/summary", { params: { query: { asOf: q.asOf } } }));
  const cohorts = ok(api.GET("/api/v1/cohorts", { params: { query: common } }));
  const channels = ok(api.GET("/api/v1/segments", { params: { query: { ...common, by: "acquisitionChannel" } } }));
  // The value segments show a few figures: asked alone, they skip the median, retention and
  // formula CLV that cost most there (every customer is read for tiers and RFM segments).
  const tiers = ok(api.GET("/api/v1/segments", { params: { query: { ...common, by: "clvTier", fields: segmentFields } } }));
  const rfm = ok(api.GET("/api/v1/segments", { params: { query: { ...common, by: "rfmSegment", fields: segmentFields } } }));
  const series = Promise.all(seriesMetrics.map((m) => ok(api.GET("/api/v1/metrics/timeseries", {
    params: { query: { metric: m.metric, ...common, by: q.perChannel ? "acquisitionChannel" : undefined } },
  }))));
  const run = runs.then(latestRun);
  // Evaluating ECharts takes the main thread a while: now, with every request out.
  const charts = chartsReady();

  let currency = "USD";
  const stamps: string[] = [];
  const widgets: Promise<unknown>[] = [
    widget("kpis", summary, (s: Summary) => { currency = s.currency; stamps.push(s.dataThrough ?? ""); renderKpis(byId("kpis"), s); }),
  ];
  await Promise.allSettled([summary]);
  widgets.push(
    widget("heatmap", cohorts, (c) => { stamps.push(c.dataThrough ?? ""); renderCohorts(c, q, currency); }),
    widget("channels-table", channels, (s) => { stamps.push(s.dataThrough ?? ""); renderChannels(s.segments, q, currency); }),
    widget("tier-table", Promise.all([tiers, rfm]), ([t, r]) => renderSegments(t.segments, r.segments, q, currency)),
    widget("series", series, (all) => { all.forEach((s) => stamps.push(s.dataThrough ?? "")); renderSeries(all, q); }),
    widget("model-run", run, renderModelRun),
    widget("at-risk", Promise.all([atRisk, sort]), ([customers, s]) => renderAtRisk(customers, q, s, currency)),
  );
  const results = await Promise.allSettled(widgets);
  if (load !== loads) return; // a newer load has started; it will finish the page
  // The least current of the answers: every figure on the page includes the writes before it.
  const oldest = Math.min(...stamps.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
  byId("data-through").textContent = Number.isFinite(oldest)
    ? `Data through ${new Date(oldest).toISOString().slice(0, 19).replace("T", " ")} UTC` : "";
  const failures = results.filter((r) => r.status === "rejected").length;
  if (failures === 0) showStatus("");
  document.body.dataset.ready = String(++drawn);

  async function widget<T>(host: string, data: Promise<T>, render: (value: T) => void): Promise<void> {
    try {
      const value = await data;
      await charts;
      if (load === loads) await frame(() => { if (load === loads) render(value); });
    } catch (e) {
      if (load === loads) {
        failed(byId(host), e);
        report(e);
      }
      throw e;
    }
  }
}

function report(e: unknown): void {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    showStatus(`The key was refused (${e.status}). Paste a key with the read scope.`, true);
  } else {
    showStatus(`Some figures could not be loaded: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

byId("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  apiKey.set(key);
  keyInput.value = "";
  keyInput.placeholder = "key kept for this tab";
  void load();
});
byId("forget-key").addEventListener("click", () => {
  apiKey.clear();
  keyInput.placeholder = "paste a key with the read scope";
  void load();
});
byId("controls").addEventListener("submit", (event) => event.preventDefault());
asOfInput.addEventListener("change", () => void load());
periodInput.addEventListener("change", () => void load());
perChannelInput.addEventListener("change", () => void load());
if (apiKey.get()) keyInput.placeholder = "key kept for this tab";
void load();
