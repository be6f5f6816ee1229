// Time series from GET /api/v1/metrics/timeseries, one small chart per metric.
import { downloadCsv, type TimeSeries } from "../api";
import { draw } from "../charts";
import { byId, el } from "../dom";
import type { Query } from "../query";

export const seriesMetrics = [
  { metric: "activeCustomers", title: "Active customers", kind: "count" },
  { metric: "newCustomers", title: "New customers", kind: "count" },
  { metric: "churnedCustomers", title: "Churned customers", kind: "count" },
  { metric: "churnRate", title: "Churn rate", kind: "rate" },
  { metric: "netRevenue", title: "Net revenue", kind: "money" },
  { metric: "spend", title: "Acquisition spend", kind: "money" },
] as const;

export function renderSeries(all: TimeSeries[], query: Query): void {
  const host = byId("series");
  if (host.childElementCount !== seriesMetrics.length) {
    host.replaceChildren(...seriesMetrics.map((m) => {
      const button = el("button", { type: "button", class: "csv", "aria-label": `Download CSV of ${m.title}` }, "CSV");
      button.addEventListener("click", () => {
        void downloadCsv("/api/v1/metrics/timeseries", {
          metric: m.metric, period: query.period, asOf: query.asOf, by: query.perChannel ? "acquisitionChannel" : undefined,
        }, `${m.metric}-${query.period}-${query.asOf}.csv`);
      });
      return el("div", {},
        el("div", { class: "table-head" }, el("h3", {}, m.title), button),
        el("div", { id: `series-${m.metric}`, class: "chart", role: "img", "aria-label": `${m.title} per period` }));
    }));
  }
  seriesMetrics.forEach((m, i) => {
    const data = all[i];
    if (!data) return;
    const periods = data.series[0]?.points.map((p) => p.period) ?? [];
    draw(`series-${m.metric}`, {
      tooltip: { trigger: "axis" },
      legend: data.series.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 60, right: 10, top: 15, bottom: data.series.length > 1 ? 55 : 30 },
      xAxis: { type: "category", data: periods },
      yAxis: m.kind === "rate"
        ? { type: "value", axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }
        : { type: "value" },
      // Flows (money, new customers) as bars, stacked per channel to their total; stocks and
      // rates as lines, one per channel, never stacked.
      series: data.series.map((s) => {
        const bar = m.kind === "money" || m.metric === "newCustomers";
        return { type: bar ? "bar" : "line", stack: bar ? "total" : undefined, name: s.key, showSymbol: false, data: s.points.map((p) => p.value ?? null) };
      }),
    });
  });
}
