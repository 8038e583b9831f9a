using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Wrenn.Client;

/// <summary>Capsule metrics and the team's capacity stats and usage; reading them never counts as activity.</summary>
public sealed class MetricsClient
{
    private readonly ApiConnection _api;

    internal MetricsClient(ApiConnection api) => _api = api;

    /// <summary>A capsule's CPU, memory and disk use over <paramref name="range"/>, in any status.</summary>
    public Task<CapsuleMetrics> GetCapsuleMetricsAsync(CapsuleId capsule, MetricsRange range = MetricsRange.TenMinutes, CancellationToken cancellationToken = default)
        => _api.GetAsync($"{CapsulesClient.Path(capsule)}/metrics?range={NameOf(range, WrennJson.Default.MetricsRange)}", WrennJson.Default.CapsuleMetrics,
            cancellationToken);

    /// <summary>The team's running capsules and reserved capacity: now, 30-day peaks and a series over <paramref name="range"/>.</summary>
    public Task<TeamStats> GetTeamStatsAsync(StatsRange range = StatsRange.OneHour, CancellationToken cancellationToken = default)
        => _api.GetAsync("v1/capsules/stats?range=" + NameOf(range, WrennJson.Default.StatsRange), WrennJson.Default.TeamStats, cancellationToken);

    /// <summary>
    /// The team's usage a day from <paramref name="from"/> to <paramref name="to"/> (UTC, at most 92 days; default the
    /// last 30 days up to today).
    /// </summary>
    public Task<TeamUsage> GetTeamUsageAsync(DateOnly? from = null, DateOnly? to = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>(2);
        if (from is { } first)
        {
            query.Add("from=" + first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (to is { } last)
        {
            query.Add("to=" + last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        var path = query.Count == 0 ? "v1/capsules/usage" : "v1/capsules/usage?" + string.Join('&', query);
        return _api.GetAsync(path, WrennJson.Default.TeamUsage, cancellationToken);
    }

    /// <summary>A range's name as its JSON form writes it (<c>5m</c>): the enumeration's attributes are the one source.</summary>
    private static string NameOf<TRange>(TRange range, JsonTypeInfo<TRange> type) => JsonSerializer.Serialize(range, type).Trim('"');
}
