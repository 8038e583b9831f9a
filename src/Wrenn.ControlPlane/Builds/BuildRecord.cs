namespace Wrenn.ControlPlane.Builds;

/// <summary>The statuses of a template build (docs/builds.md), as stored and sent.</summary>
internal static class BuildStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Success = "success";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinished(string status) => status is Success or Failed or Cancelled;
}

/// <summary>
/// A build row; times are Unix milliseconds, <c>Recipe</c> and <c>DefaultEnv</c> JSON. A platform
/// build (an admin's) makes a template of <see cref="Snapshots.TemplateCatalog.PlatformTeam"/>.
/// </summary>
internal sealed record BuildRecord(
    string Id,
    string TeamId,
    string Name,
    string BaseTemplate,
    string Recipe,
    string? Healthcheck,
    long Vcpus,
    long MemoryMb,
    long SkipPrePost,
    long HasArchive,
    string ContentHash,
    string Status,
    long CurrentStep,
    long TotalSteps,
    string? Error,
    string? CapsuleId,
    string? RuntimeName,
    long? SizeBytes,
    string? DefaultUser,
    string? DefaultEnv,
    string? CachedFrom,
    string ActorType,
    string? ActorId,
    string? ActorName,
    long CreatedAt,
    long? StartedAt,
    long? CompletedAt,
    long Platform = 0,
    long Finalizing = 0,
    string? BaseRuntime = null);

/// <summary>One step's log row (see <see cref="Recipes.StepLog"/>).</summary>
internal sealed record BuildLogRecord(string BuildId, long Step, string Phase, string Cmd, string Stdout, string Stderr, long ExitCode, long Ok, long ElapsedMs);
