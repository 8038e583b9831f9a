namespace Wrenn.Client;

/// <summary>The error codes of the Wrenn API (the <c>error.code</c> of every 4xx and 5xx reply).</summary>
public enum WrennErrorCode
{
    /// <summary>A code this version of the SDK does not know (a newer server).</summary>
    Unknown,
    /// <summary>400: malformed or out-of-range request.</summary>
    InvalidRequest,
    /// <summary>401: missing, unknown, revoked or wrong-kind credential.</summary>
    Unauthorized,
    /// <summary>403: not allowed for this credential or role.</summary>
    Forbidden,
    /// <summary>404: no such resource (or another team's).</summary>
    NotFound,
    /// <summary>405: the route has no such method.</summary>
    MethodNotAllowed,
    /// <summary>409: the target exists or is reserved.</summary>
    Conflict,
    /// <summary>409: the capsule's or host's status does not allow it.</summary>
    InvalidState,
    /// <summary>409: the host still holds capsules.</summary>
    HostHasCapsules,
    /// <summary>413: above a size limit.</summary>
    TooLarge,
    /// <summary>429: request rate or login-failure limit.</summary>
    RateLimited,
    /// <summary>429: the team's capacity limit.</summary>
    QuotaExceeded,
    /// <summary>500: unexpected server fault.</summary>
    InternalError,
    /// <summary>502: the host or guest agent failed.</summary>
    AgentError,
    /// <summary>502: nothing listens on the guest port (port proxy).</summary>
    PortUnreachable,
    /// <summary>503: the capsule's host is unreachable.</summary>
    HostUnavailable,
    /// <summary>503: no host can place the capsule now.</summary>
    NoHostsAvailable,
    /// <summary>503: the capsule is not running yet (port proxy).</summary>
    NotReady,
    /// <summary>507: the capsule's filesystem is full.</summary>
    InsufficientStorage,
    /// <summary>502: the capsule's stored snapshot is damaged; it stays paused.</summary>
    SnapshotCorrupt,
    /// <summary>503: the snapshot store cannot be reached; the capsule runs on.</summary>
    StoreUnavailable,
}
