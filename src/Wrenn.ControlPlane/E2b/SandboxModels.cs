using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b;

/// <summary>E2B's <c>NewSandbox</c> (v1, <c>POST /sandboxes</c>) and <c>NewSandboxV2</c> bodies; the members Wrenn does not act on are accepted and ignored.</summary>
internal sealed class NewSandboxRequest
{
    [JsonPropertyName("templateID")]
    public string? TemplateId { get; set; }

    /// <summary>Seconds until the sandbox ends (killed, or paused with <see cref="AutoPause"/>).</summary>
    public int? Timeout { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    public Dictionary<string, string>? EnvVars { get; set; }

    public bool? AutoPause { get; set; }

    public AutoResumeSetting? AutoResume { get; set; }
}

internal sealed class AutoResumeSetting
{
    public bool Enabled { get; set; }
}

/// <summary>The body of connect, resume, timeout and refreshes: <c>timeout</c> or <c>duration</c> in seconds.</summary>
internal sealed class SandboxTimeRequest
{
    public int? Timeout { get; set; }

    public int? Duration { get; set; }
}

/// <summary>E2B's <c>Sandbox</c>: what create and connect answer.</summary>
internal sealed record SandboxReply(
    [property: JsonPropertyName("sandboxID")] string SandboxId,
    [property: JsonPropertyName("templateID")] string TemplateId,
    [property: JsonPropertyName("clientID")] string ClientId,
    string EnvdVersion,
    string EnvdAccessToken,
    string? Domain);

/// <summary>E2B's <c>SandboxDetail</c> (get) and, without the token and lifecycle, <c>ListedSandbox</c> (list).</summary>
internal sealed record SandboxDetail(
    [property: JsonPropertyName("sandboxID")] string SandboxId,
    [property: JsonPropertyName("templateID")] string TemplateId,
    [property: JsonPropertyName("clientID")] string ClientId,
    int CpuCount,
    [property: JsonPropertyName("memoryMB")] int MemoryMb,
    [property: JsonPropertyName("diskSizeMB")] int DiskSizeMb,
    string EnvdVersion,
    string? EnvdAccessToken,
    DateTimeOffset StartedAt,
    DateTimeOffset EndAt,
    string State,
    IReadOnlyDictionary<string, string> Metadata,
    string? Domain,
    SandboxLifecycle? Lifecycle);

internal sealed record SandboxLifecycle(string OnTimeout, bool AutoResume);

/// <summary>E2B's <c>SandboxMetric</c>: one sample of a sandbox's use (bytes; CPU in percent of its vCPUs).</summary>
internal sealed record SandboxMetric(
    DateTimeOffset Timestamp,
    long TimestampUnix,
    int CpuCount,
    double CpuUsedPct,
    long MemUsed,
    long MemTotal,
    long MemCache,
    long DiskUsed,
    long DiskTotal);

/// <summary>E2B's <c>createSnapshot</c> body.</summary>
internal sealed class SnapshotRequest
{
    public string? Name { get; set; }
}

/// <summary>E2B's <c>SandboxForkRequest</c>: <c>count</c> (default 1) and the forks' <c>timeout</c> in seconds (default 15).</summary>
internal sealed class ForkRequest
{
    public int? Count { get; set; }

    public int? Timeout { get; set; }
}

/// <summary>E2B's <c>SnapshotInfo</c>: the id a create takes as its template, and the names it goes by.</summary>
internal sealed record SnapshotInfo([property: JsonPropertyName("snapshotID")] string SnapshotId, IReadOnlyList<string> Names);

/// <summary>E2B's <c>SandboxForkResult</c>: the fork, or why it did not start.</summary>
internal sealed record ForkResult(SandboxReply? Sandbox, ForkError? Error);

internal sealed record ForkError(int Code, string Message);
