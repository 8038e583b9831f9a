namespace Wrenn.HostAgent.Capsules;

/// <summary>Where a capsule is in its lifecycle on this host, as recorded in capsule.json.</summary>
public enum CapsuleStatus
{
    Running,
    /// <summary>A pause is being written; on restart the capsule is either finished pausing or run again.</summary>
    Pausing,
    /// <summary>No VM: the latest snapshot generation holds the capsule.</summary>
    Paused,
}
