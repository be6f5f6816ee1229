// Channels from GET /api/v1/segments?by=acquisitionChannel: table and CLV:CAC bars.
import { downloadCsv, type Segment } from "../api";
import { draw } from "../charts";
import { byId, el } from "../dom";
import { table } from "../dom";
import { bandText, fmt } from "../format";
import type { Query } from "../query";

export function band(value: string | null | undefined): Node | string {
  return value ? el("span", { class: `band band-${value}` }, bandText[value] ?? value) : "";
}

export function renderChannels(segments: Segment[], query: Query, currency: string): void {
  draw("channels-chart", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 50, right: 10, top: 35, bottom: 60 },
    xAxis: { type: "category", data: segments.map((s) => s.key), axisLabel: { interval: 0, rotate: segments.length > 4 ? 30 : 0 } },
    yAxis: { type: "value", name: "CLV:CAC" },
    series: [
      { type: "bar", name: "CLV:CAC (historical)", data: segments.map((s) => s.clvToCac ?? null) },
      { type: "bar", name: "CLV:CAC (predicted)", data: segments.map((s) => s.predictedClvToCac ?? null) },
    ],
  });
  table(byId("channels-table"), "Channels", [
    { title: "Channel", cell: (s) => el("span", {}, s.key, s.smallSample ? el("span", { class: "flag", title: "Fewer customers than the minimum segment size" }, "small sample") : null) },
    { title: "Customers", cell: (s) => fmt.count(s.customers) },
    { title: "New", cell: (s) => fmt.count(s.newCustomers) },
    { title: "Spend", cell: (s) => fmt.money(s.spend, currency) },
    { title: "CAC", cell: (s) => fmt.money(s.cac, currency) },
    { title: "CLV:CAC", cell: (s) => fmt.ratio(s.clvToCac) },
    { title: "Predicted CLV:CAC", cell: (s) => fmt.ratio(s.predictedClvToCac) },
    { title: "Health", cell: (s) => band(s.health.clvToCac) },
    { title: "Payback", cell: (s) => fmt.months(s.paybackMonths) },
    { title: "Payback health", cell: (s) => band(s.health.payback) },
  ], segments, () => downloadCsv("/api/v1/segments", { by: "acquisitionChannel", asOf: query.asOf, period: query.period }, `channels-${query.asOf}.csv`));
}
