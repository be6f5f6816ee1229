// Charts, drawn with ECharts (src/echarts.ts). Its chunk is most of the script: the page preloads
// it, and load() evaluates it (chartsReady) once its requests are out, while it waits for them,
// and before it draws anything.
import type * as echarts from "echarts/core";
import { byId } from "./dom";

export type Option = echarts.EChartsCoreOption;

let library: typeof import("./echarts") | undefined;
let loading: Promise<void> | undefined;

/** ECharts, loaded once: draw() needs it. */
export function chartsReady(): Promise<void> {
  loading ??= import("./echarts").then((m) => { library = m; });
  return loading;
}

/** The charts by element id; also on window.clvCharts, where a test or a console can read their data. */
const charts = new Map<string, echarts.ECharts>();
(window as unknown as { clvCharts: Map<string, echarts.ECharts> }).clvCharts = charts;

export const palette = ["#1d5fbf", "#d9822b", "#2a9d5c", "#9b4dca", "#c23b3b", "#3a8fa3", "#8c6d31", "#5a6270"];

/** Draws OPTION into #ID (replacing what was there), without animation: the page is drawn when this returns. */
export function draw(id: string, option: Option): echarts.ECharts {
  const host = byId(id);
  let chart = charts.get(id);
  if (!chart || chart.isDisposed()) {
    if (!library) throw new Error("the charts are not loaded yet");
    chart = library.init(host, null, { renderer: "canvas" });
    charts.set(id, chart);
  }
  chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: "system-ui, sans-serif" }, ...option }, { notMerge: true });
  return chart;
}

let pending = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => charts.forEach((c) => c.resize()));
});
