using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>Where a host is.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<HostStatus>))]
public enum HostStatus
{
    /// <summary>Created; its agent has not registered yet.</summary>
    Pending,

    /// <summary>Registered and heartbeating: it takes new capsules.</summary>
    Online,

    /// <summary>Takes no new capsules; keeps (or paused) its running ones.</summary>
    Draining,

    /// <summary>No heartbeat for 30 s; its capsules are <see cref="CapsuleStatus.Missing"/>.</summary>
    Unreachable,
}
