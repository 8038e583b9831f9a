using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A capsule's resource use over a range (no points for time spent paused).</summary>
/// <param name="CapsuleId">The capsule.</param>
/// <param name="Range">The range asked for.</param>
/// <param name="Points">The samples, oldest first; may be empty.</param>
public sealed record CapsuleMetrics(
    [property: JsonPropertyName("sandbox_id")] CapsuleId CapsuleId,
    MetricsRange Range,
    IReadOnlyList<MetricPoint> Points);

/// <summary>One sample of a capsule's resource use.</summary>
/// <param name="Timestamp">When it was taken, to the second.</param>
/// <param name="CpuPct">CPU use, 0–100, as a share of the capsule's vCPUs.</param>
/// <param name="MemBytes">Guest memory in use.</param>
/// <param name="DiskBytes">Bytes used on the guest's root filesystem.</param>
public sealed record MetricPoint(
    [property: JsonPropertyName("timestamp_unix"), JsonConverter(typeof(UnixSecondsConverter))] DateTimeOffset Timestamp,
    double CpuPct,
    long MemBytes,
    long DiskBytes);
