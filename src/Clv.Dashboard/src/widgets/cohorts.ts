// Cohort retention heatmap and cumulative CLV curves from GET /api/v1/cohorts.
import { downloadCsv, type Cohorts } from "../api";
import { draw } from "../charts";
import { el, table } from "../dom";
import { fmt } from "../format";
import type { Query } from "../query";

export function renderCohorts(cohorts: Cohorts, query: Query, currency: string): void {
  const rows = cohorts.cohorts;
  const columns = Math.max(1, ...rows.map((c) => c.retention.length));
  const periods = Array.from({ length: columns }, (_, k) => String(k));
  const cells: [number, number, number][] = [];
  rows.forEach((c, row) => c.retention.forEach((r, k) => cells.push([k, row, Math.round(r * 1000) / 10])));
  const label = query.period === "quarter" ? "Quarters since acquisition" : "Months since acquisition";
  draw("heatmap", ({ width }) => ({
    tooltip: { formatter: (p: { value: [number, number, number] }) => `${rows[p.value[1]]?.cohort ?? ""}, ${label.toLowerCase().split(" ")[0]} ${p.value[0]}: ${p.value[2]}%` },
    grid: { left: 70, right: 10, top: 10, bottom: 80 },
    xAxis: { type: "category", data: periods, name: label, nameLocation: "middle", nameGap: 26, splitArea: { show: true } },
    yAxis: { type: "category", data: rows.map((c) => c.cohort), inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, text: ["100%", "0%"], inRange: { color: ["#f4f8fd", "#1d5fbf"] } },
    series: [{
      type: "heatmap", data: cells,
      // Percentages only where a cell is wide and tall enough to hold one (not on a phone with many columns).
      label: { show: width / (columns + 2) >= 26 && rows.length <= 30, formatter: (p: { value: [number, number, number] }) => `${p.value[2].toFixed(0)}%`, fontSize: 10 },
    }],
  }));
  draw("clv-curves", {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 60, right: 10, top: 35, bottom: 60 },
    xAxis: { type: "category", data: periods, name: label, nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", name: `Cumulative net revenue per customer (${currency})`, nameTextStyle: { align: "left" } },
    series: rows.map((c) => ({ type: "line", name: c.cohort, showSymbol: false, data: c.cumulativeNetRevenuePerCustomer })),
  });
  const host = document.getElementById("cohorts-table")!;
  const details = el("details", {}, el("summary", {}, "Cohort table"));
  const inner = el("div");
  details.append(inner);
  host.replaceChildren(details);
  table(inner, "Cohorts: size and retention by period since acquisition", [
    { title: "Cohort", cell: (c) => c.cohort },
    { title: "Size", cell: (c) => fmt.count(c.size) },
    ...periods.map((k, i) => ({ title: k, cell: (c: (typeof rows)[number]) => (i < c.retention.length ? fmt.rate(c.retention[i]) : "") })),
  ], rows, () => downloadCsv("/api/v1/cohorts", { period: query.period, asOf: query.asOf }, `cohorts-${query.period}-${query.asOf}.csv`));
}
