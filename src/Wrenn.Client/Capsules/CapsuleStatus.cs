using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>Where a capsule is in its lifecycle.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<CapsuleStatus>))]
public enum CapsuleStatus
{
    /// <summary>Accepted, not yet placed on a host.</summary>
    Pending,

    /// <summary>Booting (create) or restoring (resume).</summary>
    Starting,

    /// <summary>Its guest agent is ready: commands, files and terminals work.</summary>
    Running,

    /// <summary>Memory, devices and disk saved; holds no CPU or RAM; resumable.</summary>
    Paused,

    /// <summary>Its host stopped answering; the last known state is kept.</summary>
    Missing,

    /// <summary>Failed to start or died (terminal).</summary>
    Error,

    /// <summary>Deleted (terminal); readable for the retention period.</summary>
    Stopped,

    /// <summary>Reserved by the API; never reported.</summary>
    Hibernated,
}
