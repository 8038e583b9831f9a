using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Metrics;

[Collection("server")]
public sealed class MetricsClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ARunningCapsule_HasMetrics_AndCountsInTheTeamStats()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            CapsuleMetrics metrics;
            while ((metrics = await Wrenn.Metrics.GetCapsuleMetricsAsync(capsule.Id, MetricsRange.FiveMinutes)).Points.Count == 0)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "no metric point came");
                await Task.Delay(500);
            }

            Assert.Equal((capsule.Id, MetricsRange.FiveMinutes), (metrics.CapsuleId, metrics.Range));
            var point = metrics.Points[^1];
            Assert.True(point.MemBytes > 0 && point.DiskBytes > 0 && point.CpuPct is >= 0 and <= 100, point.ToString());
            Assert.InRange(point.Timestamp, capsule.CreatedAt.AddMinutes(-1), capsule.CreatedAt.AddMinutes(10));
            Assert.Equal(MetricsRange.TwentyFourHours, (await Wrenn.Metrics.GetCapsuleMetricsAsync(capsule.Id, MetricsRange.TwentyFourHours)).Range);

            var stats = await Wrenn.Metrics.GetTeamStatsAsync(StatsRange.FiveMinutes);
            Assert.Equal(StatsRange.FiveMinutes, stats.Range);
            Assert.True(stats.Current.RunningCount >= 1 && stats.Current.VcpusReserved >= 1 && stats.Peaks.RunningCount >= 1);
            Assert.Equal(30, stats.Series.Labels.Count);
            Assert.Equal([30, 30, 30], new[] { stats.Series.Running.Count, stats.Series.Vcpus.Count, stats.Series.MemoryMb.Count });
            Assert.Equal(StatsRange.ThirtyDays, (await Wrenn.Metrics.GetTeamStatsAsync(StatsRange.ThirtyDays)).Range);
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }

        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Metrics.GetCapsuleMetricsAsync(CapsuleId.Parse("cl-" + new string('0', 25))));
    }

    [Fact]
    public async Task TheTeamUsage_HasADayPerDate_AndRefusesABackwardSpan()
    {
        var last30 = await Wrenn.Metrics.GetTeamUsageAsync();
        Assert.Equal(30, last30.Points.Count);
        Assert.Equal(last30.To, last30.Points[^1].Date);

        var from = last30.To.AddDays(-2);
        var usage = await Wrenn.Metrics.GetTeamUsageAsync(from, last30.To);
        Assert.Equal((from, last30.To), (usage.From, usage.To));
        Assert.Equal([from, from.AddDays(1), from.AddDays(2)], usage.Points.Select(day => day.Date));
        Assert.All(usage.Points, day => Assert.True(day.CpuMinutes >= 0 && day.RamMbMinutes >= 0));

        await Assert.ThrowsAsync<InvalidRequestException>(() => Wrenn.Metrics.GetTeamUsageAsync(last30.To, from));
    }
}
