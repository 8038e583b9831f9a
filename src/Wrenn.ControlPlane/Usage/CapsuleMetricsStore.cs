using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Usage;

/// <summary>One resource sample of a capsule (spec §4.12).</summary>
internal readonly record struct MetricPoint(long TimestampUnix, double CpuPct, long MemBytes, long DiskBytes);

/// <summary>
/// Per-capsule resource samples in memory, at three resolutions so that 24 hours stay small: 1 s
/// points for 10 minutes, 30 s averages for 2 hours, 5 minute averages for 24 hours. Paused
/// capsules are not sampled, so paused time has no points. Lost when the server restarts.
/// </summary>
internal sealed class CapsuleMetricsStore
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    public void Add(string id, MetricPoint point) => _series.GetOrAdd(id, _ => new Series()).Add(point);

    public void Forget(string id) => _series.TryRemove(id, out _);

    /// <summary>Points of the last <paramref name="range"/> up to <paramref name="now"/>, ascending.</summary>
    public IReadOnlyList<MetricPoint> Query(string id, TimeSpan range, long now)
    {
        if (!_series.TryGetValue(id, out var series))
        {
            return [];
        }

        var since = now - (long)range.TotalSeconds;
        var tier = range <= TimeSpan.FromMinutes(10) ? series.Seconds : range <= TimeSpan.FromHours(2) ? series.HalfMinutes : series.FiveMinutes;
        lock (series)
        {
            return tier.Where(point => point.TimestampUnix > since).ToList();
        }
    }

    private sealed class Series
    {
        public readonly Queue<MetricPoint> Seconds = new();
        public readonly Queue<MetricPoint> HalfMinutes = new();
        public readonly Queue<MetricPoint> FiveMinutes = new();
        private readonly Aggregate _halfMinute = new(30);
        private readonly Aggregate _fiveMinutes = new(300);

        public void Add(MetricPoint point)
        {
            lock (this)
            {
                Append(Seconds, point, 600);
                if (_halfMinute.Add(point) is { } half)
                {
                    Append(HalfMinutes, half, 240);
                }

                if (_fiveMinutes.Add(point) is { } five)
                {
                    Append(FiveMinutes, five, 288);
                }
            }
        }

        private static void Append(Queue<MetricPoint> queue, MetricPoint point, int capacity)
        {
            queue.Enqueue(point);
            while (queue.Count > capacity)
            {
                queue.Dequeue();
            }
        }
    }

    /// <summary>Averages points into buckets of <c>seconds</c>; yields a bucket when the next one starts.</summary>
    private sealed class Aggregate(int seconds)
    {
        private long _bucket = -1;
        private int _count;
        private double _cpu;
        private double _mem;
        private double _disk;

        public MetricPoint? Add(MetricPoint point)
        {
            var bucket = point.TimestampUnix / seconds;
            MetricPoint? finished = null;
            if (bucket != _bucket && _count > 0)
            {
                finished = new MetricPoint(_bucket * seconds, _cpu / _count, (long)(_mem / _count), (long)(_disk / _count));
                _count = 0;
                _cpu = _mem = _disk = 0;
            }

            _bucket = bucket;
            _count++;
            _cpu += point.CpuPct;
            _mem += point.MemBytes;
            _disk += point.DiskBytes;
            return finished;
        }
    }
}
