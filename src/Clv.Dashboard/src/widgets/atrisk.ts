// High-value customers at risk: GET /api/v1/customers?atRisk=true sorted by CLV, with each row's
// RFM and trend as of the day (include=rfm,trend) in the same answer. A row opens the customer's detail.
import { api, downloadCsv, ok, type Customer } from "../api";
import { byId, el, table } from "../dom";
import { fmt } from "../format";
import type { Query } from "../query";

export const atRiskRows = 10;

/**
 * The first customers at risk by SORT, with their RFM and trend as of the day. Their historical
 * figures are as of now, as the list gives them (the order is by them too).
 */
export async function atRiskList(query: Query, sort: "predictedClv" | "historicalClv"): Promise<Customer[]> {
  const page = await ok(api.GET("/api/v1/customers", {
    params: { query: { atRisk: true, asOf: query.asOf, sort, direction: "desc", pageSize: atRiskRows, include: "rfm,trend" } },
  }));
  return page.items;
}

export function customer(externalId: string, asOf: string): Promise<Customer> {
  return ok(api.GET("/api/v1/customers/{externalId}", { params: { path: { externalId }, query: { asOf } } }));
}

export function renderAtRisk(customers: Customer[], query: Query, sort: string, currency: string): void {
  table(byId("at-risk"), `Top ${atRiskRows} customers at risk by ${sort === "predictedClv" ? "predicted" : "historical"} CLV`, [
    { title: "Customer", cell: (c) => el("button", { type: "button", class: "linkish" }, c.externalId) },
    { title: "Historical CLV to date", cell: (c) => fmt.money(c.historical.historicalClv, currency) },
    { title: "Predicted CLV", cell: (c) => fmt.money(c.predicted?.predictedClv, currency) },
    { title: "P(alive)", cell: (c) => fmt.probability(c.predicted?.probabilityAlive) },
    { title: "Last 12 months", cell: (c) => fmt.money(c.trend?.last12Months, currency) },
    { title: "Previous 12", cell: (c) => fmt.money(c.trend?.previous12Months, currency) },
    { title: "Trend", cell: (c) => fmt.rate(c.trend?.change) },
    { title: "RFM", cell: (c) => (c.rfm ? `${c.rfm.score} ${c.rfm.segment}` : "") },
  ], customers, () => downloadCsv("/api/v1/customers", { atRisk: "true", asOf: query.asOf, sort, direction: "desc" }, `at-risk-${query.asOf}.csv`),
  (c) => void openCustomer(c.externalId, query.asOf, currency));
}

async function openCustomer(externalId: string, asOf: string, currency: string): Promise<void> {
  const dialog = byId("customer-dialog") as HTMLDialogElement;
  const body = byId("customer-body");
  byId("customer-title").textContent = `Customer ${externalId}`;
  body.replaceChildren(el("p", {}, "Loading…"));
  dialog.showModal();
  const c = await customer(externalId, asOf);
  const facts: [string, string][] = [
    ["Acquired", c.acquiredAt?.slice(0, 10) ?? "–"],
    ["Channel", c.acquisitionChannel ?? "–"],
    ["Country", c.country ?? "–"],
    ["Purchase days", fmt.count(c.historical.purchaseDays)],
    ["Net revenue", fmt.money(c.historical.netRevenue, currency)],
    ["Historical CLV", fmt.money(c.historical.historicalClv, currency)],
    ["Last purchase", c.historical.lastPurchaseAt?.slice(0, 10) ?? "–"],
    ["Predicted CLV", fmt.money(c.predicted?.predictedClv, currency)],
    ["Expected purchases", fmt.number(c.predicted?.expectedPurchases)],
    ["P(alive)", fmt.probability(c.predicted?.probabilityAlive)],
    ["RFM", c.rfm ? `${c.rfm.score} (${c.rfm.segment})` : "–"],
    ["Churned", c.churned == null ? "–" : c.churned ? "yes" : "no"],
    ["Spend trend", c.trend ? `${fmt.money(c.trend.last12Months, currency)} vs ${fmt.money(c.trend.previous12Months, currency)} (${fmt.rate(c.trend.change)})` : "–"],
  ];
  body.replaceChildren(el("dl", {}, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
}
