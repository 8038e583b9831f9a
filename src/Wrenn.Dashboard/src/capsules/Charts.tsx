import { useMemo, useState } from "preact/hooks";
import { get } from "../api/http";
import type { CapsuleMetrics, MetricPoint } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { bytes } from "../ui/format";
import { usePolled } from "../ui/hooks";
import { TimeChart, type TimeSeries } from "./TimeChart";

const refreshMs = 5000;
// The ranges the metrics route accepts (spec §4.12), with the spacing of their samples in seconds.
const ranges = [
  { value: "5m", label: "5 minutes", seconds: 300, step: 1 },
  { value: "10m", label: "10 minutes", seconds: 600, step: 1 },
  { value: "1h", label: "1 hour", seconds: 3600, step: 30 },
  { value: "2h", label: "2 hours", seconds: 7200, step: 30 },
  { value: "6h", label: "6 hours", seconds: 21600, step: 300 },
  { value: "12h", label: "12 hours", seconds: 43200, step: 300 },
  { value: "24h", label: "24 hours", seconds: 86400, step: 300 },
];

type Pick = (point: MetricPoint) => number;

/**
 * One metric as a chart series. There are no samples for time spent paused: a null after a
 * longer silence than the sampling explains draws that as a gap instead of a slope across it.
 */
function seriesOf(points: MetricPoint[], pick: Pick, step: number, window: [number, number]): TimeSeries {
  const times: number[] = [];
  const values: (number | null)[] = [];
  let previous: number | null = null;
  for (const point of points) {
    if (previous !== null && point.timestamp_unix - previous > step * 3) {
      times.push(previous + step);
      values.push(null);
    }
    times.push(point.timestamp_unix);
    values.push(pick(point));
    previous = point.timestamp_unix;
  }
  return { times, values, window };
}

const percent = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} %`;

/** Live CPU, memory and disk use of the capsule, refreshed every few seconds. */
export function Charts({ capsuleId }: { capsuleId: string }) {
  const [range, setRange] = useState("10m");
  const chosen = ranges.find((r) => r.value === range)!;
  const metrics = usePolled(
    async () => ({ reply: await get<CapsuleMetrics>(`/v1/capsules/${capsuleId}/metrics?range=${range}`), at: Date.now() / 1000 }),
    [capsuleId, range],
    refreshMs,
  );
  const points = metrics.data?.reply.points ?? [];
  const last = points.at(-1);

  const charts = useMemo(() => {
    const at = metrics.data?.at ?? Date.now() / 1000;
    const window: [number, number] = [at - chosen.seconds, at];
    const of = (pick: Pick) => seriesOf(points, pick, chosen.step, window);
    return [
      { title: "CPU", series: of((p) => p.cpu_pct), format: percent, max: 100, latest: last && percent(last.cpu_pct) },
      { title: "Memory", series: of((p) => p.mem_bytes), format: bytes, latest: last && bytes(last.mem_bytes) },
      { title: "Disk", series: of((p) => p.disk_bytes), format: bytes, latest: last && bytes(last.disk_bytes) },
    ];
  }, [metrics.data]);

  return (
    <div>
      <div class="filters">
        <label>
          Range
          <select value={range} onChange={(e) => setRange((e.currentTarget as HTMLSelectElement).value)}>
            {ranges.map((r) => <option value={r.value}>{r.label}</option>)}
          </select>
        </label>
      </div>
      <ErrorNote message={metrics.error} />
      {metrics.data && points.length === 0 && <p class="empty">No samples in this range yet (none are taken while the capsule is paused).</p>}
      <div class="charts">
        {charts.map((chart) => (
          <figure class="chart-card" data-metric={chart.title.toLowerCase()}>
            <figcaption>
              <span>{chart.title}</span> <span class="mono">{chart.latest ?? "—"}</span>
            </figcaption>
            <TimeChart
              series={chart.series}
              format={chart.format}
              max={chart.max}
              summary={`${chart.title} over the last ${chosen.label}${chart.latest ? `; latest ${chart.latest}` : ""}`}
            />
          </figure>
        ))}
      </div>
    </div>
  );
}
