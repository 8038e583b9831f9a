using System.Globalization;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Usage;

internal sealed record MetricPointView(long TimestampUnix, double CpuPct, long MemBytes, long DiskBytes);

internal sealed record CapsuleMetricsReply(string SandboxId, string Range, IReadOnlyList<MetricPointView> Points);

internal sealed record StatsCurrent(int RunningCount, long VcpusReserved, long MemoryMbReserved, DateTimeOffset SampledAt);

internal sealed record StatsPeaks(long RunningCount, long Vcpus, long MemoryMb);

internal sealed record StatsSeries(IReadOnlyList<DateTimeOffset> Labels, IReadOnlyList<long> Running, IReadOnlyList<long> Vcpus, IReadOnlyList<long> MemoryMb);

internal sealed record StatsReply(string Range, StatsCurrent Current, StatsPeaks Peaks, StatsSeries Series);

internal sealed record UsagePoint(string Date, double CpuMinutes, double RamMbMinutes);

internal sealed record UsageReply(string From, string To, IReadOnlyList<UsagePoint> Points);

/// <summary>Capsule metrics and team stats and usage (spec §4.12, §4.13); none of them is activity.</summary>
internal static class UsageEndpoints
{
    private static readonly Dictionary<string, TimeSpan> MetricRanges = new(StringComparer.Ordinal)
    {
        ["5m"] = TimeSpan.FromMinutes(5), ["10m"] = TimeSpan.FromMinutes(10), ["1h"] = TimeSpan.FromHours(1), ["2h"] = TimeSpan.FromHours(2),
        ["6h"] = TimeSpan.FromHours(6), ["12h"] = TimeSpan.FromHours(12), ["24h"] = TimeSpan.FromHours(24),
    };

    /// <summary>Stats ranges and the width of their series buckets.</summary>
    private static readonly Dictionary<string, (TimeSpan Range, TimeSpan Bucket)> StatsRanges = new(StringComparer.Ordinal)
    {
        ["5m"] = (TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10)),
        ["1h"] = (TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)),
        ["6h"] = (TimeSpan.FromHours(6), TimeSpan.FromMinutes(5)),
        ["24h"] = (TimeSpan.FromHours(24), TimeSpan.FromMinutes(20)),
        ["30d"] = (TimeSpan.FromDays(30), TimeSpan.FromHours(12)),
    };

    private static readonly double SampleMinutes = UsageSampler.TeamSampleInterval.TotalMinutes;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/capsules/{id}/metrics", MetricsAsync).Produces<CapsuleMetricsReply>();
        routes.MapGet("/v1/capsules/stats", StatsAsync).Produces<StatsReply>();
        routes.MapGet("/v1/capsules/usage", UsageAsync).Produces<UsageReply>();
    }

    private static async Task<IResult> MetricsAsync(Caller caller, string id, HttpContext http, CapsuleStore store, CapsuleMetricsStore metrics, TimeProvider time)
    {
        var range = Query(http, "range", "10m");
        Require(MetricRanges.TryGetValue(range, out var span), "range must be one of 5m, 10m, 1h, 2h, 6h, 12h, 24h");
        _ = await store.GetAsync(caller.Team, id, http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("capsule");
        var points = metrics.Query(id, span, time.GetUtcNow().ToUnixTimeSeconds())
            .Select(point => new MetricPointView(point.TimestampUnix, point.CpuPct, point.MemBytes, point.DiskBytes)).ToList();
        return ApiJson.Reply(new CapsuleMetricsReply(id, range, points));
    }

    private static async Task<IResult> StatsAsync(Caller caller, HttpContext http, CapsuleStore store, TeamSamples samples, TimeProvider time)
    {
        var range = Query(http, "range", "1h");
        Require(StatsRanges.TryGetValue(range, out var shape), "range must be one of 5m, 1h, 6h, 24h, 30d");
        var now = time.GetUtcNow();
        var running = (await store.ListAsync(caller.Team, [Statuses.Running], null, 100_000, http.RequestAborted).ConfigureAwait(false));
        var current = new StatsCurrent(running.Count, running.Sum(c => c.Vcpus), running.Sum(c => c.MemoryMb), now);
        var month = await samples.SinceAsync(caller.Team, (now - TimeSpan.FromDays(30)).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds() + 1, http.RequestAborted)
            .ConfigureAwait(false);
        var peaks = new StatsPeaks(
            Math.Max(current.RunningCount, month.Select(s => s.Running).DefaultIfEmpty().Max()),
            Math.Max(current.VcpusReserved, month.Select(s => s.Vcpus).DefaultIfEmpty().Max()),
            Math.Max(current.MemoryMbReserved, month.Select(s => s.MemoryMb).DefaultIfEmpty().Max()));

        var start = now - shape.Range;
        var buckets = (int)(shape.Range / shape.Bucket);
        var labels = new List<DateTimeOffset>(buckets);
        var series = new long[3, buckets];
        for (var i = 0; i < buckets; i++)
        {
            labels.Add(start + (shape.Bucket * i));
        }

        foreach (var sample in month.Where(s => s.At >= start.ToUnixTimeMilliseconds()))
        {
            var i = Math.Min(buckets - 1, (int)((sample.At - start.ToUnixTimeMilliseconds()) / (long)shape.Bucket.TotalMilliseconds));
            series[0, i] = Math.Max(series[0, i], sample.Running);
            series[1, i] = Math.Max(series[1, i], sample.Vcpus);
            series[2, i] = Math.Max(series[2, i], sample.MemoryMb);
        }

        long[] Row(int row) => Enumerable.Range(0, buckets).Select(i => series[row, i]).ToArray();
        return ApiJson.Reply(new StatsReply(range, current, peaks, new StatsSeries(labels, Row(0), Row(1), Row(2))));
    }

    private static async Task<IResult> UsageAsync(Caller caller, HttpContext http, TeamSamples samples, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var from = ParseDate(http, "from", today.AddDays(-29));
        var to = ParseDate(http, "to", today);
        Require(from <= to && to.DayNumber - from.DayNumber < 92, "from must not be after to, and the span is at most 92 days");
        var fromMs = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var toMs = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var byDay = (await samples.SinceAsync(caller.Team, fromMs, toMs, http.RequestAborted).ConfigureAwait(false))
            .GroupBy(s => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(s.At).UtcDateTime))
            .ToDictionary(day => day.Key, day => (Cpu: day.Sum(s => s.Vcpus) * SampleMinutes, Ram: day.Sum(s => s.MemoryMb) * SampleMinutes));
        var points = new List<UsagePoint>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var (cpu, ram) = byDay.GetValueOrDefault(day);
            points.Add(new UsagePoint(Format(day), Math.Round(cpu, 2), Math.Round(ram, 2)));
        }

        return ApiJson.Reply(new UsageReply(Format(from), Format(to), points));
    }

    private static string Query(HttpContext http, string name, string fallback) =>
        http.Request.Query[name].ToString() is { Length: > 0 } value ? value : fallback;

    private static DateOnly ParseDate(HttpContext http, string name, DateOnly fallback)
    {
        var text = http.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        Require(DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date), $"{name} must be a date YYYY-MM-DD");
        return date;
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
