/**
 * Charts drawn on the server by echarts' SSR mode as SVG strings, so the HTML
 * report needs no script to show them and prints to PDF as vectors.
 */
import * as echarts from 'echarts';

/** Matches the renderer's palette closely enough that app and report look alike. */
export const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

const FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function barChart(opts: {
  categories: string[];
  values: number[];
  horizontal?: boolean;
  name?: string;
  width?: number;
  height?: number;
  rotate?: number;
}): string {
  const cat = { type: 'category', data: opts.categories, axisLabel: { rotate: opts.rotate ?? 0, fontSize: 11 } };
  const val = { type: 'value', axisLabel: { fontSize: 11 } };
  return render(
    {
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      xAxis: opts.horizontal ? val : cat,
      yAxis: opts.horizontal ? { ...cat, inverse: true } : val,
      series: [
        {
          type: 'bar',
          name: opts.name,
          data: opts.values,
          label: { show: opts.values.length <= 24, position: opts.horizontal ? 'right' : 'top', fontSize: 10 },
        },
      ],
    },
    opts.width ?? 720,
    opts.height ?? 320,
  );
}

/** values[row][col]; rows run along y (bottom to top), columns along x. */
export function heatmap(opts: {
  xLabels: string[];
  yLabels: string[];
  values: number[][];
  xName: string;
  yName: string;
  digits?: number;
  width?: number;
  height?: number;
}): string {
  const data: [number, number, number][] = [];
  let max = 0;
  let min = Infinity;
  opts.values.forEach((row, y) =>
    row.forEach((v, x) => {
      data.push([x, y, v]);
      max = Math.max(max, v);
      min = Math.min(min, v);
    }),
  );
  const digits = opts.digits ?? 0;
  return render(
    {
      // Room on the left for the rotated y-axis name, which containLabel does not count.
      grid: { left: 40, right: 24, top: 16, bottom: 64, containLabel: true },
      xAxis: { type: 'category', data: opts.xLabels, name: opts.xName, nameLocation: 'middle', nameGap: 28 },
      yAxis: {
        type: 'category',
        data: opts.yLabels,
        name: opts.yName,
        nameLocation: 'middle',
        nameRotate: 90,
        nameGap: 32,
      },
      visualMap: {
        min: Number.isFinite(min) ? Math.min(0, min) : 0,
        max: max > 0 ? max : 1,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        inRange: { color: ['#eff6ff', '#93c5fd', '#2563eb', '#1e3a8a'] },
      },
      series: [
        {
          type: 'heatmap',
          data,
          label: {
            show: opts.xLabels.length * opts.yLabels.length <= 150,
            fontSize: 10,
            formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(digits),
          },
        },
      ],
    },
    opts.width ?? 560,
    opts.height ?? 380,
  );
}

export function scatterChart(opts: {
  groups: { name: string; points: [number, number][] }[];
  xName?: string;
  yName?: string;
  width?: number;
  height?: number;
}): string {
  return render(
    {
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 16, right: 24, top: 36, bottom: 16, containLabel: true },
      xAxis: { type: 'value', name: opts.xName, scale: true, splitLine: { show: false } },
      yAxis: { type: 'value', name: opts.yName, scale: true, splitLine: { show: false } },
      series: opts.groups.map((g) => ({ type: 'scatter', name: g.name, data: g.points, symbolSize: 5 })),
    },
    opts.width ?? 720,
    opts.height ?? 400,
  );
}

/** Two series side by side per category (model vs baseline). */
export function groupedBarChart(opts: {
  categories: string[];
  series: { name: string; values: number[] }[];
  width?: number;
  height?: number;
}): string {
  return render(
    {
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: opts.categories, axisLabel: { fontSize: 11 } },
      yAxis: { type: 'value' },
      series: opts.series.map((s) => ({ type: 'bar', name: s.name, data: s.values })),
    },
    opts.width ?? 720,
    opts.height ?? 300,
  );
}
