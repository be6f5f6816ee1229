// KPI tiles from GET /api/v1/metrics/summary. Each tile carries the API's number in data-value.
import type { Summary } from "../api";
import { el } from "../dom";
import { bandText, fmt } from "../format";

interface Tile {
  kpi: keyof Summary;
  label: string;
  text: (s: Summary) => string;
  band?: (s: Summary) => string | null | undefined;
  note?: (s: Summary) => string;
}

const tiles: Tile[] = [
  { kpi: "customers", label: "Customers", text: (s) => fmt.count(s.customers) },
  { kpi: "netRevenue", label: "Net revenue", text: (s) => fmt.money(s.netRevenue, s.currency) },
  { kpi: "customerEquity", label: "Customer equity", text: (s) => fmt.money(s.customerEquity, s.currency) },
  { kpi: "averageHistoricalClv", label: "Avg historical CLV", text: (s) => fmt.money(s.averageHistoricalClv, s.currency) },
  { kpi: "averagePredictedClv", label: "Avg predicted CLV", text: (s) => fmt.money(s.averagePredictedClv, s.currency) },
  { kpi: "repeatPurchaseRate", label: "Repeat purchase rate", text: (s) => fmt.rate(s.repeatPurchaseRate) },
  { kpi: "retentionRate", label: "Retention (last month)", text: (s) => fmt.rate(s.retentionRate) },
  { kpi: "churnRate", label: "Churn rate (last month)", text: (s) => fmt.rate(s.churnRate) },
  { kpi: "blendedCac", label: "Blended CAC", text: (s) => fmt.money(s.blendedCac, s.currency) },
  {
    kpi: "clvToCac", label: "CLV:CAC", text: (s) => fmt.ratio(s.clvToCac), band: (s) => s.health.clvToCac,
    note: (s) => `predicted ${fmt.ratio(s.predictedClvToCac)}`,
  },
  { kpi: "paybackMonths", label: "Payback", text: (s) => fmt.months(s.paybackMonths), band: (s) => s.health.payback },
];

export function renderKpis(host: HTMLElement, summary: Summary): void {
  host.replaceChildren(...tiles.map((tile) => {
    const value = summary[tile.kpi];
    const band = tile.band?.(summary);
    const node = el("div", { class: band ? `tile band-${band}` : "tile", "data-kpi": tile.kpi, "data-value": value == null ? "" : String(value) },
      el("span", { class: "label" }, tile.label),
      el("span", { class: "value" }, tile.text(summary)),
      band ? el("span", { class: `band band-${band}` }, bandText[band] ?? band) : null,
      tile.note ? el("span", { class: "note" }, tile.note(summary)) : null);
    return node;
  }));
}
