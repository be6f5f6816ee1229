// Value segments from GET /api/v1/segments?by=clvTier and ?by=rfmSegment.
import { downloadCsv, type Segment } from "../api";
import { draw } from "../charts";
import { byId, table } from "../dom";
import { fmt } from "../format";
import type { Query } from "../query";

const tierOrder = ["top1", "top10", "middle40", "bottom50"];

// The figures these tables and charts show, asked as the request's `fields`: names the document
// does not declare fail the build.
const shown: (keyof Segment)[] = ["customers", "customerEquity", "predictedCustomerEquity", "avgHistoricalClv", "revenueShare"];
export const segmentFields = shown.join(",");

export function renderSegments(tiers: Segment[], rfm: Segment[], query: Query, currency: string): void {
  const sortedTiers = [...tiers].sort((a, b) => rank(a.key) - rank(b.key));
  draw("tier-chart", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 70, right: 10, top: 35, bottom: 50 },
    xAxis: { type: "category", data: sortedTiers.map((s) => s.key) },
    yAxis: { type: "value", name: currency },
    series: [
      { type: "bar", name: "Customer equity", data: sortedTiers.map((s) => s.customerEquity) },
      { type: "bar", name: "Predicted equity", data: sortedTiers.map((s) => s.predictedCustomerEquity ?? null) },
    ],
  });
  draw("rfm-chart", {
    tooltip: { trigger: "axis" },
    grid: { left: 120, right: 20, top: 10, bottom: 45 },
    yAxis: { type: "category", data: rfm.map((s) => s.key), inverse: true },
    xAxis: { type: "value", name: "Customers", nameLocation: "middle", nameGap: 25 },
    series: [{ type: "bar", name: "Customers", data: rfm.map((s) => s.customers) }],
  });
  const columns = (first: string) => [
    { title: first, cell: (s: Segment) => s.key },
    { title: "Customers", cell: (s: Segment) => fmt.count(s.customers) },
    { title: "Equity", cell: (s: Segment) => fmt.money(s.customerEquity, currency) },
    { title: "Predicted equity", cell: (s: Segment) => fmt.money(s.predictedCustomerEquity, currency) },
    { title: "Avg CLV", cell: (s: Segment) => fmt.money(s.avgHistoricalClv, currency) },
    { title: "Revenue share", cell: (s: Segment) => fmt.rate(s.revenueShare) },
  ];
  table(byId("tier-table"), "Segments by CLV tier", columns("Tier"), sortedTiers,
    () => downloadCsv("/api/v1/segments", { by: "clvTier", asOf: query.asOf, period: query.period }, `clv-tiers-${query.asOf}.csv`));
  table(byId("rfm-table"), "Segments by RFM", columns("RFM segment"), rfm,
    () => downloadCsv("/api/v1/segments", { by: "rfmSegment", asOf: query.asOf, period: query.period }, `rfm-segments-${query.asOf}.csv`));
}

function rank(key: string): number {
  const i = tierOrder.indexOf(key);
  return i < 0 ? tierOrder.length : i;
}
