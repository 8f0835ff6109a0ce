// The one place ECharts is set up: only the parts the dashboard draws (line and bar charts on a grid, with
// tooltip, legend and the generated description for screen readers), on canvas, and two themes
// (the office page and the dark command-centre wall). Imported lazily by TrendChart.vue, so no other page's
// bundle carries ECharts.
import { BarChart, LineChart } from 'echarts/charts'
import {
  AriaComponent, GridComponent, LegendComponent, TooltipComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer])

const FONT = '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
export const SERIES_COLORS = ['#1d5fbf', '#07803d', '#b26a00']

echarts.registerTheme('hechuan', {
  color: SERIES_COLORS,
  backgroundColor: 'transparent',
  textStyle: { fontFamily: FONT, color: '#303133' },
  legend: { textStyle: { color: '#303133' } },
  categoryAxis: { axisLabel: { color: '#606266' }, axisLine: { lineStyle: { color: '#c0c4cc' } } },
  valueAxis: { axisLabel: { color: '#606266' }, splitLine: { lineStyle: { color: '#ebeef5' } } },
})

echarts.registerTheme('hechuan-dark', {
  color: ['#5ea8ff', '#3ddc84', '#ffc24d'],
  backgroundColor: 'transparent',
  textStyle: { fontFamily: FONT, color: '#e6edf5' },
  legend: { textStyle: { color: '#e6edf5' } },
  categoryAxis: { axisLabel: { color: '#c8d4e3' }, axisLine: { lineStyle: { color: '#4a5d75' } } },
  valueAxis: { axisLabel: { color: '#c8d4e3' }, splitLine: { lineStyle: { color: '#24374d' } } },
})

export type Chart = echarts.ECharts
export type ChartOption = echarts.EChartsCoreOption

export function createChart(element: HTMLElement, dark: boolean): Chart {
  return echarts.init(element, dark ? 'hechuan-dark' : 'hechuan', { renderer: 'canvas' })
}
