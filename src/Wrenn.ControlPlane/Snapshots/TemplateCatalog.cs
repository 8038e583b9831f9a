using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Snapshots;

/// <summary>
/// A team's snapshot template row; <c>RuntimeName</c> is the host's template it points to. A
/// template built from a recipe records its last USER and its ENV (a JSON object); null otherwise.
/// <c>SourceCapsule</c>: the capsule it was taken from.
/// </summary>
internal sealed record TemplateRecord(string TeamId, string Name, string RuntimeName, long Vcpus, long MemoryMb, long SizeBytes, long CreatedAt,
    string? DefaultUser = null, string? DefaultEnv = null, string? HostId = null, string? BuildId = null, long Stored = 0, string? SourceCapsule = null);

/// <summary>What a template name resolves to for a team.</summary>
/// <param name="RuntimeName">The host's template to create from.</param>
/// <param name="Vcpus">Fixed vCPUs (snapshot templates); null for base images.</param>
/// <param name="MemoryMb">Fixed memory (snapshot templates); null for base images.</param>
/// <param name="HostId">
/// The host holding a snapshot template that is only there (creates go there); null for base images,
/// which every host has, and for snapshot templates in the snapshot store.
/// </param>
/// <param name="BuildId">A snapshot template in the snapshot store: the build any host fetches.</param>
internal sealed record ResolvedTemplate(string RuntimeName, int? Vcpus, int? MemoryMb, string? HostId = null, string? BuildId = null);

/// <summary>
/// The templates a team sees (spec §5): the platform's base images plus its own snapshots. Names
/// of base images and of the reserved platform templates cannot be taken by teams.
/// </summary>
internal sealed partial class TemplateCatalog(Database database, BaseImages images)
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "minimal", "base-python", "code-runner-beta" };

    /// <summary>The owner of the platform templates admins build: every team sees them (spec §5.2).</summary>
    public static readonly TeamId PlatformTeam = new(string.Empty);

    /// <summary>The platform's base images: name, when the image was built, and its stored size.</summary>
    public IEnumerable<(string Name, DateTimeOffset BuiltAt, long SizeBytes)> Platform =>
        images.ByName.Values.OrderBy(image => image.Name, StringComparer.Ordinal).Select(image => (image.Name, image.BuiltAt, image.SizeBytes));

    public bool IsPlatform(string name) => images.ByName.ContainsKey(name);

    /// <summary>
    /// The names of the captures E2B's forks start from (<c>E2b/SandboxSnapshots</c>): reserved, so
    /// that what is left of one after a crash can be told apart and swept (<c>E2b/ForkCaptureSweep</c>).
    /// </summary>
    public const string ForkCapturePrefix = "fork-capture-";

    public bool IsReserved(string name) => Reserved.Contains(name) || IsPlatform(name) || IsForkCapture(name);

    public static bool IsForkCapture(string name) => name.StartsWith(ForkCapturePrefix, StringComparison.Ordinal);

    /// <summary>Reserved, or the name of a platform template an admin built: no team may take it.</summary>
    public async Task<bool> IsTakenAsync(string name, CancellationToken cancellationToken) =>
        IsReserved(name) || await GetAsync(PlatformTeam, name, cancellationToken).ConfigureAwait(false) is not null;

    public static bool IsValidName(string? name) =>
        name is { Length: >= 1 and <= 64 } && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public async Task<ResolvedTemplate?> ResolveAsync(TeamId team, string name, CancellationToken cancellationToken)
    {
        if (IsPlatform(name))
        {
            return new ResolvedTemplate(name, null, null);
        }

        var record = await GetAsync(team, name, cancellationToken).ConfigureAwait(false)
            ?? await GetAsync(PlatformTeam, name, cancellationToken).ConfigureAwait(false);
        return record is null ? null : Resolved(record);
    }

    /// <summary>
    /// A host template as its capsules are placed: the base images on any host; a snapshot template
    /// on any host when it is in the snapshot store, else on the host holding it (one team's row that
    /// points to it decides).
    /// </summary>
    public async Task<ResolvedTemplate> ResolveRuntimeAsync(string runtimeName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var record = await connection.QueryFirstOrDefaultAsync<TemplateRecord>("SELECT * FROM templates WHERE runtime_name = @Name", new { Name = runtimeName })
            .ConfigureAwait(false);
        return record is null ? new ResolvedTemplate(runtimeName, null, null) : Resolved(record);
    }

    private static ResolvedTemplate Resolved(TemplateRecord record) => record switch
    {
        { Stored: not 0, BuildId: { } build } => new ResolvedTemplate(record.RuntimeName, (int)record.Vcpus, (int)record.MemoryMb, BuildId: build),
        _ => new ResolvedTemplate(record.RuntimeName, (int)record.Vcpus, (int)record.MemoryMb, record.HostId),
    };

    public async Task<TemplateRecord?> GetAsync(TeamId team, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<TemplateRecord>(
            "SELECT * FROM templates WHERE team_id = @Team AND name = @Name", new { Team = team.Value, Name = name }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TemplateRecord>> ListAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<TemplateRecord>("SELECT * FROM templates WHERE team_id = @Team", new { Team = team.Value }).ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// Every team's fork captures made before <paramref name="before"/> (Unix ms): taken from a
    /// capsule and named exactly as <see cref="NewForkCaptureName"/> names them, so that a template
    /// a user named with the prefix before it was reserved is never taken for one.
    /// </summary>
    public async Task<IReadOnlyList<TemplateRecord>> ForkCapturesAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<TemplateRecord>(
                "SELECT * FROM templates WHERE substr(name, 1, @Length) = @Prefix AND created_at < @Before AND source_capsule IS NOT NULL",
                new { Length = ForkCapturePrefix.Length, Prefix = ForkCapturePrefix, Before = before }).ConfigureAwait(false))
            .Where(template => ForkCaptureName().IsMatch(template.Name))
            .ToList();
    }

    /// <summary>A new fork capture's name: the prefix and 16 lowercase hex digits.</summary>
    public static string NewForkCaptureName() =>
        ForkCapturePrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    [System.Text.RegularExpressions.GeneratedRegex("^fork-capture-[0-9a-f]{16}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ForkCaptureName();

    /// <summary>Adds or (with <paramref name="overwrite"/>) replaces the team's template; false when the name is taken.</summary>
    public async Task<bool> SaveAsync(TemplateRecord record, bool overwrite, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var onConflict = overwrite
            ? """
              DO UPDATE SET runtime_name = excluded.runtime_name, vcpus = excluded.vcpus, memory_mb = excluded.memory_mb, size_bytes = excluded.size_bytes,
                            created_at = excluded.created_at, default_user = excluded.default_user, default_env = excluded.default_env,
                            host_id = excluded.host_id, build_id = excluded.build_id, stored = excluded.stored, source_capsule = excluded.source_capsule
              """
            : "DO NOTHING";
        return await connection.ExecuteAsync(
            "INSERT INTO templates (team_id, name, runtime_name, vcpus, memory_mb, size_bytes, created_at, default_user, default_env, host_id, build_id, stored, source_capsule)"
            + " VALUES (@TeamId, @Name, @RuntimeName, @Vcpus, @MemoryMb, @SizeBytes, @CreatedAt, @DefaultUser, @DefaultEnv, @HostId, @BuildId, @Stored, @SourceCapsule)"
            + " ON CONFLICT (team_id, name) " + onConflict,
            record).ConfigureAwait(false) == 1;
    }

    public async Task<bool> DeleteAsync(TeamId team, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync("DELETE FROM templates WHERE team_id = @Team AND name = @Name", new { Team = team.Value, Name = name }).ConfigureAwait(false) == 1;
    }

    /// <summary>The template builds in the snapshot store that some team's template points to (the store's collection keeps them).</summary>
    public async Task<IReadOnlySet<string>> StoredBuildsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>("SELECT build_id FROM templates WHERE stored <> 0 AND build_id IS NOT NULL").ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The host templates some team's template points to.</summary>
    public async Task<IReadOnlySet<string>> RuntimeNamesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>("SELECT runtime_name FROM templates").ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
    }

    public async Task DeleteTeamAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM templates WHERE team_id = @Team", new { Team = team.Value }).ConfigureAwait(false);
    }
}
