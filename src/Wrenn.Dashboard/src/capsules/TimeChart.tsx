import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const height = 200;

export interface TimeSeries {
  /** Unix seconds, ascending; a null value draws a gap. */
  times: number[];
  values: (number | null)[];
  /** The time window to show, in Unix seconds, whatever the data covers. */
  window: [number, number];
}

const darkQuery = matchMedia("(prefers-color-scheme: dark)");

/** The page's colors come from its CSS variables, which change with the light/dark preference. */
function useColorScheme(): boolean {
  const [dark, setDark] = useState(darkQuery.matches);
  useEffect(() => {
    const changed = () => setDark(darkQuery.matches);
    darkQuery.addEventListener("change", changed);
    return () => darkQuery.removeEventListener("change", changed);
  }, []);
  return dark;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function translucent(color: string): string | undefined {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  return hex ? `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, 0.15)` : undefined;
}

/**
 * A one-series line chart over time, as wide as its container. uPlot draws on a canvas, so the
 * chart carries a text description (`summary`) for screen readers.
 */
export function TimeChart({ series, format, max, summary }: { series: TimeSeries; format: (value: number) => string; max?: number; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(series);
  latest.current = series;
  const dark = useColorScheme();

  useEffect(() => {
    const element = box.current!;
    const line = cssVar("--accent");
    const axis: uPlot.Axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--line"), width: 1 }, ticks: { stroke: cssVar("--line"), width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 100),
      height,
      legend: { show: false },
      scales: {
        x: { time: true, range: () => latest.current.window },
        y: { range: (_chart, _min, top) => [0, max ?? Math.max(top * 1.1, 1)] },
      },
      series: [{}, { stroke: line, fill: translucent(line), width: 2, spanGaps: false }],
      axes: [axis, { ...axis, size: 80, values: (_chart, splits) => splits.map(format) }],
    };
    const plot = new uPlot(options, [series.times, series.values], element);
    chart.current = plot;
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0) plot.setSize({ width: element.clientWidth, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [dark]);

  useEffect(() => chart.current?.setData([series.times, series.values]), [series]);

  return <div class="chart" ref={box} role="img" aria-label={summary} />;
}
