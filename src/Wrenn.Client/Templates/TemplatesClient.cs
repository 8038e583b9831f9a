namespace Wrenn.Client;

/// <summary>Listing templates, snapshotting capsules into templates and deleting them (<c>/v1/snapshots</c>).</summary>
public sealed class TemplatesClient
{
    private readonly ApiConnection _api;

    internal TemplatesClient(ApiConnection api) => _api = api;

    /// <summary>The platform templates and the team's, by name; only those of <paramref name="type"/> when given.</summary>
    public Task<IReadOnlyList<Template>> ListAsync(TemplateType? type = null, CancellationToken cancellationToken = default)
        => _api.GetAsync(type is { } only ? "v1/snapshots?type=" + WrennEnums.NameOf(only) : "v1/snapshots", WrennJson.Default.IReadOnlyListTemplate, cancellationToken);

    /// <summary>
    /// Saves a running or paused capsule (memory and disk) as a team template; a running capsule keeps running.
    /// <paramref name="name"/>: default <c>template-</c> and 8 hex digits; <paramref name="overwrite"/> replaces a
    /// team template of that name (capsules made from the old one keep working).
    /// </summary>
    /// <exception cref="ConflictException">The name is taken (without <paramref name="overwrite"/>) or reserved.</exception>
    /// <exception cref="InvalidStateException">The capsule is neither running nor paused.</exception>
    public Task<Template> CreateSnapshotAsync(CapsuleId capsule, string? name = null, bool overwrite = false, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, overwrite ? "v1/snapshots?overwrite=true" : "v1/snapshots",
            ApiConnection.Json(new SnapshotBody(capsule, name), WrennJson.Default.SnapshotBody), WrennJson.Default.Template, cancellationToken);

    /// <summary>Deletes a team template; capsules already created from it keep working.</summary>
    /// <exception cref="ForbiddenException">A platform template.</exception>
    public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, "v1/snapshots/" + Uri.EscapeDataString(name), null, cancellationToken);
}
