using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary><c>wrenn capsule metrics ID</c>: CPU, memory and disk over a range, at most 20 rows.</summary>
internal static class MetricsCommand
{
    private const int Rows = 20;

    private static readonly Dictionary<string, MetricsRange> Ranges = new(StringComparer.Ordinal)
    {
        ["5m"] = MetricsRange.FiveMinutes, ["10m"] = MetricsRange.TenMinutes, ["1h"] = MetricsRange.OneHour, ["2h"] = MetricsRange.TwoHours,
        ["6h"] = MetricsRange.SixHours, ["12h"] = MetricsRange.TwelveHours, ["24h"] = MetricsRange.TwentyFourHours,
    };

    public static Command Create()
    {
        var id = CapsuleArguments.Id();
        var range = new Option<string>("--range") { Description = "5m, 10m, 1h, 2h, 6h, 12h or 24h", DefaultValueFactory = _ => "10m" };
        range.AcceptOnlyFromAmong([.. Ranges.Keys]);
        var command = new Command("metrics", "Show a capsule's CPU, memory and disk use over time") { id, range };
        command.SetRun(async (run, cancellationToken) =>
        {
            var metrics = await run.Client.Metrics.GetCapsuleMetricsAsync(run.Get(id), Ranges[run.Get(range)], cancellationToken).ConfigureAwait(false);
            run.Out.Write(metrics, CliJson.Default.CapsuleMetrics, Render);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Table Render(CapsuleMetrics metrics)
    {
        var table = Tables.Create("TIME", "CPU %", "MEMORY MiB", "DISK MiB");
        var points = metrics.Points;
        var step = Math.Max(1, (int)Math.Ceiling(points.Count / (double)Rows));
        for (var i = 0; i < points.Count; i += step)
        {
            var point = points[i];
            table.AddRow(CapsuleTable.Time(point.Timestamp), point.CpuPct.ToString("0.0", CultureInfo.InvariantCulture),
                (point.MemBytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture), (point.DiskBytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture));
        }

        return table;
    }
}
