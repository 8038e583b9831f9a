namespace Wrenn.ControlPlane.Api;

/// <summary>The error codes of the API contract (spec §1.4); each has one HTTP status.</summary>
internal enum ApiErrorCode
{
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    InvalidState,
    HostHasCapsules,
    TooLarge,
    RateLimited,
    QuotaExceeded,
    InternalError,
    AgentError,
    PortUnreachable,
    HostUnavailable,
    NoHostsAvailable,
    NotReady,
    InsufficientStorage,
    // Portable snapshots (docs/api-notes.md): the capsule's snapshot in the store is damaged (it
    // stays paused); the snapshot store cannot be reached (a pause is refused, the capsule runs on).
    SnapshotCorrupt,
    StoreUnavailable,
}

internal static class ApiErrorCodes
{
    public static int StatusOf(ApiErrorCode code) => code switch
    {
        ApiErrorCode.InvalidRequest => 400,
        ApiErrorCode.Unauthorized => 401,
        ApiErrorCode.Forbidden => 403,
        ApiErrorCode.NotFound => 404,
        ApiErrorCode.MethodNotAllowed => 405,
        ApiErrorCode.Conflict or ApiErrorCode.InvalidState or ApiErrorCode.HostHasCapsules => 409,
        ApiErrorCode.TooLarge => 413,
        ApiErrorCode.RateLimited or ApiErrorCode.QuotaExceeded => 429,
        ApiErrorCode.AgentError or ApiErrorCode.PortUnreachable or ApiErrorCode.SnapshotCorrupt => 502,
        ApiErrorCode.HostUnavailable or ApiErrorCode.NoHostsAvailable or ApiErrorCode.NotReady or ApiErrorCode.StoreUnavailable => 503,
        ApiErrorCode.InsufficientStorage => 507,
        ApiErrorCode.InternalError => 500,
        _ => 500,
    };

    /// <summary>The wire name: the enum name in snake_case.</summary>
    public static string NameOf(ApiErrorCode code) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString());
}
