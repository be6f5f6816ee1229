// ECharts, with only the charts and components the dashboard draws (a smaller bundle). Loaded as
// a chunk of its own (charts.ts), so the page asks the API for its figures while this is fetched
// and evaluated.
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, HeatmapChart, LineChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export const init = echarts.init;
