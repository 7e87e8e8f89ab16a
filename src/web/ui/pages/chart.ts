/** uPlot line charts over time, redrawn in place as points arrive. */
import uPlot from 'uplot';

export interface Series {
  label: string;
  color: string;
  stepped?: boolean;
}

export interface Chart {
  el: HTMLElement;
  set(x: number[], ys: (number | null)[][]): void;
}

export function lineChart(title: string, unit: string, series: Series[]): Chart {
  const el = document.createElement('figure');
  el.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  el.append(caption);
  const opts: uPlot.Options = {
    width: 560,
    height: 220,
    scales: { x: { time: true } },
    axes: [{}, { label: unit, size: 60 }],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        spanGaps: true,
        ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
      })),
    ],
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, el);
  return {
    el,
    set(x, ys) {
      plot.setData([x, ...ys] as uPlot.AlignedData);
    },
  };
}
