using System.Collections.Concurrent;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>
/// A test double of a host: capsules are entries in a dictionary, steps can be made to fail, and a
/// crash can be raised. It has no guests. For the control plane's lifecycle logic without VMs; the
/// real-VM end-to-end tests stay beside it.
/// </summary>
internal sealed class FakeHost : ICapsuleHost
{
    private readonly ConcurrentDictionary<CapsuleId, string> _capsules = new();

    // The templates made from capsules here: capsules can be created from them, as from "minimal".
    private readonly ConcurrentDictionary<string, byte> _templates = new(StringComparer.Ordinal);

    public event Action<CapsuleId, string>? Crashed;

    // A fake keeps no snapshots anywhere else: nothing is ever stored.
    public event Action<CapsuleId, int>? SnapshotStored
    {
        add { }
        remove { }
    }

    public Task UseSnapshotStoreAsync(SnapshotStoreSettings settings, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The next pause fails as a pause that left the VM running does.</summary>
    public bool FailNextPause { get; set; }

    /// <summary>The next resume finds the snapshot damaged.</summary>
    public bool CorruptNextResume { get; set; }

    public int Pauses { get; private set; }

    public string? StatusOf(string id) => CapsuleId.TryParse(id, out var capsule) ? _capsules.GetValueOrDefault(capsule) : null;

    public void Crash(string id) => Crashed?.Invoke(Parse(id), "vm exited unexpectedly");

    public Task<HostedCapsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Template != "minimal" && !_templates.ContainsKey(spec.Template))
        {
            throw new CapsuleException(CapsuleFailure.UnknownTemplate, "no such template");
        }

        var id = spec.Id ?? CapsuleId.New();
        _capsules[id] = "running";
        return Task.FromResult(new HostedCapsule(id, "fake-agent", "fake-kernel"));
    }

    public Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken)
    {
        Pauses++;
        if (FailNextPause)
        {
            FailNextPause = false;
            throw new CapsuleException(CapsuleFailure.PauseFailed, "the snapshot could not be written");
        }

        _capsules[id] = "paused";
        return Task.FromResult(Pauses);
    }

    public Task<HostedCapsule> ResumeAsync(CapsuleId id, int? stored, CancellationToken cancellationToken)
    {
        if (CorruptNextResume)
        {
            CorruptNextResume = false;
            throw new CapsuleException(CapsuleFailure.SnapshotCorrupt, "checksum mismatch");
        }

        _capsules[id] = "running";
        return Task.FromResult(new HostedCapsule(id, "fake-agent", "fake-kernel"));
    }

    public Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken)
    {
        _capsules.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    public Task<long> DiskUsageAsync(CapsuleId id, CancellationToken cancellationToken) => Task.FromResult(4096L);

    public GuestServices? Guest(CapsuleId id) => null;

    public Task<HostTemplate> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken)
    {
        _templates[name] = 0;
        return Task.FromResult(new HostTemplate(name, 1, 512, 4096, defaults, "fake-build", Stored: false));
    }

    public Task<bool> HasTemplateAsync(string name, CancellationToken cancellationToken) => Task.FromResult(_templates.ContainsKey(name));

    public Task<IReadOnlyList<string>> RemoveUnusedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<HostInventory> InventoryAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new HostInventory(
            _capsules.Where(pair => pair.Value == "running").Select(pair => pair.Key).ToHashSet(),
            _capsules.Where(pair => pair.Value == "paused").Select(pair => pair.Key).ToHashSet(),
            new Dictionary<CapsuleId, string>(), new HashSet<CapsuleId>()));

    private static CapsuleId Parse(string id) => CapsuleId.TryParse(id, out var capsule) ? capsule : throw new ArgumentException("not a capsule id", nameof(id));
}
