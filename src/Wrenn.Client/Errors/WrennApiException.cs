using System.Net;

namespace Wrenn.Client;

/// <summary>
/// The API refused a request or failed it. The subclass is chosen by the reply's error code
/// (<see cref="Code"/>), never by its message, which is for humans only.
/// </summary>
public class WrennApiException : Exception
{
    /// <summary>An API failure.</summary>
    public WrennApiException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
        : base(message)
    {
        Status = status;
        Code = code;
        RequestId = requestId;
        RetryAfter = retryAfter;
    }

    /// <summary>The reply's HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The reply's error code.</summary>
    public WrennErrorCode Code { get; }

    /// <summary>The request's id (<c>X-Request-Id</c>), by which the server's logs know it.</summary>
    public string? RequestId { get; }

    /// <summary>When retrying can succeed, how long to wait first (<c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>400 <c>invalid_request</c>: a malformed or out-of-range request.</summary>
public sealed class InvalidRequestException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>401 <c>unauthorized</c>: the credential is missing, unknown, revoked, expired or the wrong kind.</summary>
public sealed class UnauthorizedException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>403 <c>forbidden</c>: authenticated but not allowed.</summary>
public sealed class ForbiddenException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>404 <c>not_found</c>: no such capsule, template, process, path, key, team, member or host (or another team's).</summary>
public sealed class NotFoundException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>409 <c>conflict</c> or <c>host_has_capsules</c>: the target exists, is reserved or still in use.</summary>
public sealed class ConflictException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter)
{
    /// <summary>For <c>host_has_capsules</c>: the capsules still on the host.</summary>
    public IReadOnlyList<CapsuleId> CapsuleIds { get; init; } = [];
}

/// <summary>409 <c>invalid_state</c>: the capsule's (or host's) status does not allow the operation.</summary>
public sealed class InvalidStateException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>413 <c>too_large</c>: a body, upload, file read or listing above its limit.</summary>
public sealed class TooLargeException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>429 <c>rate_limited</c> or <c>quota_exceeded</c>: see <see cref="WrennApiException.RetryAfter"/>.</summary>
public sealed class RateLimitedException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>502 <c>agent_error</c>, <c>port_unreachable</c> or <c>snapshot_corrupt</c>: a host or guest agent failed.</summary>
public sealed class AgentException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>503 <c>host_unavailable</c>, <c>no_hosts_available</c>, <c>not_ready</c> or <c>store_unavailable</c>: retry later.</summary>
public sealed class UnavailableException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);

/// <summary>507 <c>insufficient_storage</c>: the capsule's filesystem is full.</summary>
public sealed class InsufficientStorageException(HttpStatusCode status, WrennErrorCode code, string message, string? requestId, TimeSpan? retryAfter)
    : WrennApiException(status, code, message, requestId, retryAfter);
