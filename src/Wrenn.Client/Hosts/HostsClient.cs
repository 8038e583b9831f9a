namespace Wrenn.Client;

/// <summary>
/// The machines that run capsules (<c>/v1/hosts</c>, session only): platform admins manage every host, a team's
/// owners and admins its BYOC hosts.
/// </summary>
public sealed class HostsClient
{
    private readonly ApiConnection _api;

    internal HostsClient(ApiConnection api) => _api = api;

    /// <summary>The hosts the caller manages.</summary>
    public Task<IReadOnlyList<HostInfo>> ListAsync(CancellationToken cancellationToken = default)
        => _api.GetAsync("v1/hosts", WrennJson.Default.IReadOnlyListHostInfo, cancellationToken);

    /// <summary>One host.</summary>
    public Task<HostInfo> GetAsync(HostId host, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(host), WrennJson.Default.HostInfo, cancellationToken);

    /// <summary>Creates a pending host and the token its agent registers with.</summary>
    public Task<HostRegistration> CreateAsync(CreateHostOptions? options = null, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/hosts", ApiConnection.Json(options ?? new CreateHostOptions(), WrennJson.Default.CreateHostOptions),
            WrennJson.Default.HostRegistration, cancellationToken);

    /// <summary>A new registration token for a pending host; the previous one stops working.</summary>
    /// <exception cref="InvalidStateException">The host has registered.</exception>
    public Task<HostRegistration> CreateRegistrationTokenAsync(HostId host, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(host) + "/token", null, WrennJson.Default.HostRegistration, cancellationToken);

    /// <summary>Deletes a host; <paramref name="force"/>: its capsules are deleted with it.</summary>
    /// <exception cref="ConflictException">
    /// Without <paramref name="force"/>, capsules are still on it (<see cref="WrennErrorCode.HostHasCapsules"/>, listed in
    /// <see cref="ConflictException.CapsuleIds"/>).
    /// </exception>
    public Task DeleteAsync(HostId host, bool force = false, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, force ? Path(host) + "?force=true" : Path(host), null, cancellationToken);

    /// <summary>
    /// Stops placing new capsules on a host; its running capsules keep running, or with <paramref name="pauseRunning"/>
    /// are paused (to resume where there is room).
    /// </summary>
    /// <exception cref="InvalidStateException">The host is neither online nor draining.</exception>
    public Task<HostInfo> DrainAsync(HostId host, bool pauseRunning = false, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(host) + "/drain", ApiConnection.Json(new DrainBody(pauseRunning), WrennJson.Default.DrainBody),
            WrennJson.Default.HostInfo, cancellationToken);

    /// <summary>Puts a draining host back online.</summary>
    /// <exception cref="InvalidStateException">The host is neither draining nor online.</exception>
    public Task<HostInfo> UndrainAsync(HostId host, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(host) + "/undrain", null, WrennJson.Default.HostInfo, cancellationToken);

    private static string Path(HostId host) => "v1/hosts/" + host.Value;
}
