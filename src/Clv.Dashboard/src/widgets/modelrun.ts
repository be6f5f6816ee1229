// The latest model run from GET /api/v1/model-runs: its models, parameters and holdout.
import { saveCsv, type ModelRun } from "../api";
import { draw } from "../charts";
import { byId, el, table } from "../dom";
import { fmt } from "../format";

/**
 * The newest run that succeeded (the list is newest first), else the newest: a validation run
 * with a holdout may be newer than the active run whose predictions the figures use.
 */
export function latestRun(runs: ModelRun[]): ModelRun | undefined {
  return runs.find((r) => r.status === "succeeded") ?? runs[0];
}

export function renderModelRun(run: ModelRun | undefined): void {
  const host = byId("model-run");
  const holdoutHost = byId("holdout-table");
  const chartHost = byId("holdout-chart");
  if (!run) {
    host.replaceChildren(el("p", { class: "empty" }, "No model run yet: POST /api/v1/model-runs fits one."));
    holdoutHost.replaceChildren();
    chartHost.hidden = true;
    return;
  }
  const o = run.options;
  const models = Object.entries(run.models ?? {});
  host.replaceChildren(
    el("p", {}, `Run ${run.id?.slice(0, 8) ?? ""} · ${run.status}${run.active ? " (active)" : ""} · as of ${o.asOf}`
      + (o.calibrationEnd ? ` · calibrated to ${o.calibrationEnd}` : "")
      + ` · ${fmt.count(run.customers)} customers · horizon ${o.horizonMonths} months`
      + (run.bestModel ? ` · best model ${run.bestModel}` : "")),
  );
  const modelsHost = el("div");
  host.append(modelsHost);
  table(modelsHost, "Fitted models", [
    { title: "Model", cell: ([name]) => name + (name === o.primaryModel ? " (primary)" : "") },
    { title: "Parameters", cell: ([, m]) => el("span", { class: "params" }, Object.entries(m.parameters).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(", ")) },
    { title: "Converged", cell: ([, m]) => (m.converged ? "yes" : "no") },
    { title: "Log-likelihood", cell: ([, m]) => fmt.number(m.logLikelihood) },
    { title: "AIC", cell: ([, m]) => fmt.number(m.aic) },
    { title: "BIC", cell: ([, m]) => fmt.number(m.bic) },
    { title: "Holdout MAE", cell: ([, m]) => fmt.number(m.holdout?.meanAbsoluteError) },
  ], models, () => saveCsv([
    ["model", "parameter", "value"],
    ...models.flatMap(([name, m]) => Object.entries(m.parameters).map(([k, v]) => [name, k, v])),
  ], `model-run-${run.id}-models.csv`));
  const holdout = run.holdout;
  if (!holdout) {
    chartHost.hidden = true;
    holdoutHost.replaceChildren(el("p", { class: "empty" }, "This run has no calibration end, so no holdout to compare."));
    return;
  }
  chartHost.hidden = false;
  const buckets = holdout.byFrequency;
  draw("holdout-chart", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 60, right: 10, top: 35, bottom: 60 },
    xAxis: { type: "category", data: buckets.map((b) => b.frequency), name: "Purchases in calibration (repeat)", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", name: "Purchases in holdout" },
    series: [
      { type: "bar", name: "Actual", data: buckets.map((b) => b.actual) },
      { type: "line", name: "Predicted", data: buckets.map((b) => b.predicted) },
    ],
  });
  table(holdoutHost, `Holdout (${fmt.number(holdout.length)} ${o.timeUnit}, mean absolute error ${fmt.number(holdout.meanAbsoluteError)})`, [
    { title: "Calibration frequency", cell: (b) => b.frequency },
    { title: "Customers", cell: (b) => fmt.count(b.customers) },
    { title: "Predicted", cell: (b) => fmt.number(b.predicted) },
    { title: "Actual", cell: (b) => fmt.count(b.actual) },
  ], buckets, () => saveCsv([
    ["frequency", "customers", "predicted", "actual"],
    ...buckets.map((b) => [b.frequency, b.customers ?? null, b.predicted ?? null, b.actual ?? null]),
  ], `model-run-${run.id}-holdout.csv`));
}
