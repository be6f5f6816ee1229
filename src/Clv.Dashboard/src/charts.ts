// Charts, drawn with ECharts (src/echarts.ts). Its chunk is most of the script: the page preloads
// it, and load() evaluates it (chartsReady) once its requests are out, while it waits for them,
// and before it draws anything.
//
// Drawing is batched (docs/dashboard.md, "Drawing fast"): a widget renders in frame(), which runs
// every render that is ready before the next frame together. draw() only notes a chart; once the
// renders have changed the DOM, the batch reads every noted host's size in one layout and draws
// the charts with those sizes, so ECharts never measures a host itself (a forced layout each).
import type * as echarts from "echarts/core";
import { byId } from "./dom";

export type Option = echarts.EChartsCoreOption;

/** A chart's size, read from its host in the batch. */
export interface Size { width: number; height: number }

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

interface Noted { id: string; option: Option | ((size: Size) => Option) }
interface Render { run: () => void; charts: Noted[]; resolve: () => void; reject: (e: unknown) => void }

let batch: Render[] = [];
let current: Render | undefined;
let scheduled = false;

/**
 * Runs RENDER with the other renders ready before the next frame, then draws the charts it noted;
 * settles once they are drawn (or RENDER or one of its charts failed).
 */
export function frame(render: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    batch.push({ run: render, charts: [], resolve, reject });
    if (scheduled) return;
    scheduled = true;
    // A hidden tab gets no animation frames: the timer draws it anyway.
    const timer = setTimeout(flush, 100);
    const handle = requestAnimationFrame(flush);
    function flush(): void {
      clearTimeout(timer);
      cancelAnimationFrame(handle);
      scheduled = false;
      drawBatch();
    }
  });
}

function drawBatch(): void {
  const renders = batch;
  batch = [];
  const done = renders.filter((r) => {
    current = r;
    try {
      r.run();
      return true;
    } catch (e) {
      r.reject(e);
      return false;
    } finally {
      current = undefined;
    }
  });
  // Every host's size in one layout, before any chart changes the DOM.
  const sized = done.map((r) => r.charts.map((c) => ({ ...c, size: size(byId(c.id)) })));
  done.forEach((r, i) => {
    try {
      for (const c of sized[i]!) drawNow(c.id, typeof c.option === "function" ? c.option(c.size) : c.option, c.size);
      r.resolve();
    } catch (e) {
      r.reject(e);
    }
  });
}

function size(host: HTMLElement): Size {
  return { width: host.clientWidth, height: host.clientHeight };
}

/**
 * Notes OPTION (or a function of the host's size giving it) to draw into #ID, replacing what was
 * there, once the renders of this frame have run. Only inside frame().
 */
export function draw(id: string, option: Option | ((size: Size) => Option)): void {
  if (!current) throw new Error("draw() is only called by a render in frame()");
  current.charts.push({ id, option });
}

/** Each chart's tooltip, until a pointer first enters the chart (see drawNow). */
const tooltips = new Map<string, unknown>();

/**
 * Draws without animation: the chart is drawn when this returns. SVG: for a dozen small charts it
 * takes the page less time than canvas. The tooltip is set up when a pointer first enters the
 * chart, not here: its HTML layer measures the page (a forced layout per chart) and is not drawn.
 */
function drawNow(id: string, option: Option, { width, height }: Size): void {
  let chart = charts.get(id);
  if (!chart || chart.isDisposed()) {
    if (!library) throw new Error("the charts are not loaded yet");
    const host = byId(id);
    const created = chart = library.init(host, null, { renderer: "svg", width, height });
    charts.set(id, chart);
    // pointerover: also a tap, and again on the next element when the chart was redrawn under the pointer.
    host.addEventListener("pointerover", () => {
      const tooltip = tooltips.get(id);
      if (tooltip === undefined || created.isDisposed()) return;
      tooltips.delete(id);
      created.setOption({ tooltip });
    });
  } else if (chart.getWidth() !== width || chart.getHeight() !== height) {
    chart.resize({ width, height });
  }
  const { tooltip, ...drawn } = option as Option & { tooltip?: unknown };
  if (tooltip === undefined) tooltips.delete(id);
  else tooltips.set(id, tooltip);
  chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: "system-ui, sans-serif" }, ...drawn }, { notMerge: true });
}

let pending = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => {
    const sizes = [...charts].map(([id, chart]) => [chart, size(byId(id))] as const);
    for (const [chart, s] of sizes) chart.resize(s);
  });
});
