// The console's charts: only what the 党务工作台 draws (README: 党务工作台). Bar (横向 comparison,
// stacked 正式/预备, distributions, structure) and line (纵向 over time), on a grid with a tooltip
// and a legend, drawn by the SVG renderer: vector output prints crisply to PDF (数据分析报告) and
// its shapes are elements the end-to-end tests can count. plugins/echarts_bundle builds this
// file with esbuild into theme/static/vendor/echarts.js.
import { use } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export { init, getInstanceByDom } from 'echarts/core';
