using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>How far back a team's stats series goes (each bucket holds the maximum sampled in it).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StatsRange>))]
public enum StatsRange
{
    /// <summary>5 minutes in 10-second buckets.</summary>
    [JsonStringEnumMemberName("5m")]
    FiveMinutes,

    /// <summary>1 hour in 1-minute buckets.</summary>
    [JsonStringEnumMemberName("1h")]
    OneHour,

    /// <summary>6 hours in 5-minute buckets.</summary>
    [JsonStringEnumMemberName("6h")]
    SixHours,

    /// <summary>24 hours in 20-minute buckets.</summary>
    [JsonStringEnumMemberName("24h")]
    TwentyFourHours,

    /// <summary>30 days in 12-hour buckets.</summary>
    [JsonStringEnumMemberName("30d")]
    ThirtyDays,
}
