using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A template build: a recipe run in a capsule whose result is frozen into a template.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">The template it makes.</param>
/// <param name="BaseTemplate">The template its capsule starts from.</param>
/// <param name="Recipe">The recipe's lines.</param>
/// <param name="Healthcheck">The check that must pass before the template is saved.</param>
/// <param name="Vcpus">Its capsule's (and template's) virtual CPUs.</param>
/// <param name="MemoryMb">Its capsule's (and template's) memory in MiB.</param>
/// <param name="SkipPrePost">The fixed steps before and after the recipe are left out.</param>
/// <param name="Platform">It makes a platform template (an admin's build).</param>
/// <param name="Status">Where it is.</param>
/// <param name="CurrentStep">The step running or last run.</param>
/// <param name="TotalSteps">All its steps, the fixed ones included.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="CapsuleId">The capsule it runs in, once started.</param>
/// <param name="Template">The template's name once made.</param>
/// <param name="SizeBytes">The template's stored size.</param>
/// <param name="DurationMs">From start to end, in milliseconds.</param>
/// <param name="Cached">An earlier build of the same content was reused.</param>
/// <param name="CachedFrom">That earlier build.</param>
/// <param name="DefaultUser">The user the template's commands run as.</param>
/// <param name="DefaultEnv">The environment the template's commands get.</param>
/// <param name="CreatedAt">When it was submitted.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="CompletedAt">When it finished.</param>
/// <param name="Logs">Its steps' logs (null in lists).</param>
public sealed record Build(
    BuildId Id,
    string Name,
    string BaseTemplate,
    IReadOnlyList<string> Recipe,
    string? Healthcheck,
    int Vcpus,
    int MemoryMb,
    bool SkipPrePost,
    bool Platform,
    BuildStatus Status,
    int CurrentStep,
    int TotalSteps,
    string? Error,
    [property: JsonPropertyName("sandbox_id")] CapsuleId? CapsuleId,
    string? Template,
    long? SizeBytes,
    long? DurationMs,
    bool Cached,
    BuildId? CachedFrom,
    string DefaultUser,
    IReadOnlyDictionary<string, string> DefaultEnv,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<BuildStepLog>? Logs)
{
    /// <summary>It has ended: succeeded, failed or cancelled.</summary>
    [JsonIgnore]
    public bool IsFinished => Status is BuildStatus.Success or BuildStatus.Failed or BuildStatus.Cancelled;
}
