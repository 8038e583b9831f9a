namespace Wrenn.Host.Protocol;

/// <summary>The expected ways a capsule lifecycle step fails; the API maps them to error codes.</summary>
public enum CapsuleFailure
{
    UnknownTemplate,
    /// <summary>The VM did not start, or its agent never became ready.</summary>
    BootFailed,
    /// <summary>The guest agent refused or failed a call the host needed.</summary>
    AgentFailed,
    /// <summary>No such capsule on this host.</summary>
    NotFound,
    /// <summary>The operation needs another state (e.g. pausing a paused capsule).</summary>
    WrongState,
    /// <summary>Saving a snapshot failed; the capsule is still running.</summary>
    PauseFailed,
    /// <summary>The capsule's snapshot is missing or damaged.</summary>
    SnapshotCorrupt,
    /// <summary>The snapshot was intact but the VM could not be started from it.</summary>
    ResumeFailed,
    /// <summary>The snapshot store cannot be reached: a pause would leave a snapshot no other host can use, so it is refused.</summary>
    StoreUnavailable,
}
