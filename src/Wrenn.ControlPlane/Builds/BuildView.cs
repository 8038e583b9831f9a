using System.Text.Json;

namespace Wrenn.ControlPlane.Builds;

/// <summary>One step of a build's log, as sent.</summary>
internal sealed record BuildLogView(long Step, string Phase, string Cmd, string Stdout, string Stderr, long Exit, bool Ok, long ElapsedMs)
{
    public static BuildLogView Of(BuildLogRecord log) => new(log.Step, log.Phase, log.Cmd, log.Stdout, log.Stderr, log.ExitCode, log.Ok != 0, log.ElapsedMs);
}

/// <summary>
/// The Build object (docs/builds.md): the reference Wrenn's fields, plus what it lacked (the
/// template made, its size, the build's duration, whether a cached template was reused).
/// </summary>
internal sealed record BuildView(
    string Id,
    string Name,
    string BaseTemplate,
    IReadOnlyList<string> Recipe,
    string? Healthcheck,
    long Vcpus,
    long MemoryMb,
    bool SkipPrePost,
    bool Platform,
    string Status,
    long CurrentStep,
    long TotalSteps,
    string? Error,
    string? SandboxId,
    string? Template,
    long? SizeBytes,
    long? DurationMs,
    bool Cached,
    string? CachedFrom,
    string DefaultUser,
    IReadOnlyDictionary<string, string> DefaultEnv,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<BuildLogView>? Logs)
{
    public static BuildView Of(BuildRecord build, IReadOnlyList<BuildLogRecord>? logs) => new(
        build.Id, build.Name, build.BaseTemplate, JsonSerializer.Deserialize<string[]>(build.Recipe) ?? [], build.Healthcheck,
        build.Vcpus, build.MemoryMb, build.SkipPrePost != 0, build.Platform != 0, build.Status, build.CurrentStep, build.TotalSteps, build.Error, build.CapsuleId,
        build.Status == BuildStatuses.Success ? build.Name : null, build.SizeBytes,
        build.StartedAt is { } started && build.CompletedAt is { } completed ? completed - started : null,
        build.CachedFrom is not null, build.CachedFrom, build.DefaultUser ?? "root",
        build.DefaultEnv is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(build.DefaultEnv) ?? [],
        DateTimeOffset.FromUnixTimeMilliseconds(build.CreatedAt), Time(build.StartedAt), Time(build.CompletedAt),
        logs?.Select(BuildLogView.Of).ToList());

    private static DateTimeOffset? Time(long? milliseconds) => milliseconds is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
