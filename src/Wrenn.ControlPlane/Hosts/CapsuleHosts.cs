using System.Collections.Concurrent;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Capsules;
using Wrenn.Host.Protocol;
using Wrenn.Host.Protocol.Remote;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// The host holding each capsule, reached through <see cref="ICapsuleHost"/> only: the in-process
/// host, or a <c>wrenn agent</c> over gRPC with mutual TLS (its certificate must come from the
/// control plane's CA; this side presents the control plane's client certificate). Connections to
/// registered hosts are kept from the hosts table (<see cref="HostLinks"/>).
/// </summary>
internal sealed class CapsuleHosts(IEnumerable<ICapsuleHost> inProcess, LocalHost localHost) : IDisposable
{
    private readonly ICapsuleHost? _local = inProcess.SingleOrDefault();

    private readonly ConcurrentDictionary<string, RemoteCapsuleHost> _remote = new(StringComparer.Ordinal);
    // Remote hosts whose connection is up and whose capsules were reconciled over it.
    private readonly ConcurrentDictionary<string, bool> _connected = new(StringComparer.Ordinal);

    /// <summary>The in-process host of this server; null when it runs capsules on agents only.</summary>
    public ICapsuleHost? Local => _local;

    /// <summary>The host the capsule was placed on; one not connected (yet) fails every call as unavailable.</summary>
    public ICapsuleHost For(CapsuleRecord record) => For(record.HostId);

    public ICapsuleHost For(string? hostId) =>
        (hostId is null || hostId == localHost.Id?.Value) && _local is not null ? _local
        : hostId is not null && _remote.TryGetValue(hostId, out var remote) ? remote
        : Disconnected.Instance;

    /// <summary>Whether this server's connection to the host is up now (the in-process one always is): placement's candidates.</summary>
    public bool IsConnected(string hostId) => (_local is not null && For(hostId) == _local) || _connected.ContainsKey(hostId);

    /// <summary>Records whether a remote host's connection is up (<see cref="HostLinks"/>).</summary>
    public void SetConnected(string hostId, bool connected)
    {
        if (connected)
        {
            _connected[hostId] = true;
        }
        else
        {
            _connected.TryRemove(hostId, out _);
        }
    }

    /// <summary>Every host this server reaches now.</summary>
    public IReadOnlyList<ICapsuleHost> All => _local is null ? [.. _remote.Values] : [_local, .. _remote.Values];

    /// <summary>The ids of the remote hosts connected now.</summary>
    public IEnumerable<string> RemoteIds => _remote.Keys;

    /// <summary>A registered host, connected (by <see cref="HostLinks"/> only).</summary>
    public void Add(string hostId, RemoteCapsuleHost host) => _remote[hostId] = host;

    /// <summary>Forgets a deleted host.</summary>
    public void Remove(string hostId)
    {
        _connected.TryRemove(hostId, out _);
        if (_remote.TryRemove(hostId, out var host))
        {
            host.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var host in _remote.Values)
        {
            host.Dispose();
        }
    }

    /// <summary>A host this server has no connection to: every call is a 503 <c>host_unavailable</c>.</summary>
    private sealed class Disconnected : ICapsuleHost
    {
        public static readonly Disconnected Instance = new();

        public event Action<CapsuleId, string>? Crashed
        {
            add { }
            remove { }
        }

        public event Action<CapsuleId, int>? SnapshotStored
        {
            add { }
            remove { }
        }

        public Task UseSnapshotStoreAsync(SnapshotStoreSettings settings, CancellationToken cancellationToken) => throw Unavailable();

        public Task<HostedCapsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken) => throw Unavailable();

        public Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken) => throw Unavailable();

        public Task<HostedCapsule> ResumeAsync(CapsuleId id, int? stored, CancellationToken cancellationToken) => throw Unavailable();

        public Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken) => throw Unavailable();

        public Task<long> DiskUsageAsync(CapsuleId id, CancellationToken cancellationToken) => throw Unavailable();

        /// <summary>No guest is reachable: callers that sample or build skip it; guest calls are refused earlier (<see cref="Guest.GuestAccess"/>).</summary>
        public GuestServices? Guest(CapsuleId id) => null;

        public Task<HostTemplate> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken) =>
            throw Unavailable();

        public Task<bool> HasTemplateAsync(string name, CancellationToken cancellationToken) => throw Unavailable();

        public Task<IReadOnlyList<string>> RemoveUnusedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken) => throw Unavailable();

        public Task<HostInventory> InventoryAsync(CancellationToken cancellationToken) => throw Unavailable();

        private static HostUnavailableException Unavailable() => new("no connection to the capsule's host");
    }
}
