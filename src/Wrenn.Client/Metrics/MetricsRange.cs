using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>How far back capsule metrics go, and with it their resolution.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MetricsRange>))]
public enum MetricsRange
{
    /// <summary>5 minutes, a point a second.</summary>
    [JsonStringEnumMemberName("5m")]
    FiveMinutes,

    /// <summary>10 minutes, a point a second.</summary>
    [JsonStringEnumMemberName("10m")]
    TenMinutes,

    /// <summary>1 hour, 30-second averages.</summary>
    [JsonStringEnumMemberName("1h")]
    OneHour,

    /// <summary>2 hours, 30-second averages.</summary>
    [JsonStringEnumMemberName("2h")]
    TwoHours,

    /// <summary>6 hours, 5-minute averages.</summary>
    [JsonStringEnumMemberName("6h")]
    SixHours,

    /// <summary>12 hours, 5-minute averages.</summary>
    [JsonStringEnumMemberName("12h")]
    TwelveHours,

    /// <summary>24 hours, 5-minute averages.</summary>
    [JsonStringEnumMemberName("24h")]
    TwentyFourHours,
}
