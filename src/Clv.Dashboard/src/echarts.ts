// ECharts, with only the charts and components the dashboard draws (a smaller bundle, less to
// evaluate): the scrolling legend (which brings the plain one), the continuous visual map. Loaded as
// a chunk of its own (charts.ts), so the page asks the API for its figures while this is fetched
// and evaluated.
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import { GridComponent, LegendScrollComponent, TooltipComponent, VisualMapContinuousComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, HeatmapChart, LineChart, GridComponent, LegendScrollComponent, TooltipComponent, VisualMapContinuousComponent, SVGRenderer]);

export const init = echarts.init;
