namespace Wrenn.Agent.Protocol;

/// <summary>
/// The closed set of expected failures of guest agent calls. Carried as the lowercase snake_case
/// name in the <see cref="AgentErrors.TrailerKey"/> trailer of a failed call, so that the host
/// maps failures by type and never by matching message text.
/// </summary>
public enum AgentErrorCode
{
    /// <summary>The trailer is absent or names a code this build does not know.</summary>
    Unknown,
    /// <summary>The caller's secret is missing or wrong.</summary>
    Unauthenticated,
    InvalidArgument,
    NotFound,
    /// <summary>Creating something below a path component that is not a directory.</summary>
    NotADirectory,
    IsADirectory,
    /// <summary>The target exists already (mkdir), or a tag is in use by a live process.</summary>
    Conflict,
    PermissionDenied,
    /// <summary>The guest filesystem is full.</summary>
    NoSpace,
    TooLarge,
    /// <summary>The command does not exist or cannot be executed.</summary>
    CannotStart,
    /// <summary>A user named in a request does not exist in the guest.</summary>
    UnknownUser,
    /// <summary>Nothing accepts connections on the tunnel's guest port.</summary>
    PortUnreachable,
    /// <summary>An observer fell too far behind the process output.</summary>
    ObserverLagged,
    /// <summary>A PTY session was taken over by another connection.</summary>
    AttachedElsewhere,
}
