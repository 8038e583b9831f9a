using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>The Connect protocol's error codes (its JSON names) and the HTTP status of each on a unary call.</summary>
internal enum ConnectCode
{
    Canceled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Unimplemented,
    Internal,
    Unavailable,
    Unauthenticated,
}

/// <summary>A Connect error: what envd's clients branch on (the SDK maps not_found to NotFoundError, and so on).</summary>
internal sealed class ConnectException(ConnectCode code, string message) : Exception(message)
{
    public ConnectCode Code { get; } = code;

    public static ConnectException Unimplemented(string what) => new(ConnectCode.Unimplemented, what + " is not supported by this server");

    public static ConnectException Invalid(string message) => new(ConnectCode.InvalidArgument, message);
}

internal static class ConnectCodes
{
    public static string NameOf(ConnectCode code) => code switch
    {
        ConnectCode.Canceled => "canceled",
        ConnectCode.InvalidArgument => "invalid_argument",
        ConnectCode.DeadlineExceeded => "deadline_exceeded",
        ConnectCode.NotFound => "not_found",
        ConnectCode.AlreadyExists => "already_exists",
        ConnectCode.PermissionDenied => "permission_denied",
        ConnectCode.ResourceExhausted => "resource_exhausted",
        ConnectCode.FailedPrecondition => "failed_precondition",
        ConnectCode.Unimplemented => "unimplemented",
        ConnectCode.Internal => "internal",
        ConnectCode.Unavailable => "unavailable",
        ConnectCode.Unauthenticated => "unauthenticated",
        _ => "unknown",
    };

    public static int StatusOf(ConnectCode code) => code switch
    {
        ConnectCode.Canceled => 499,
        ConnectCode.InvalidArgument or ConnectCode.FailedPrecondition => 400,
        ConnectCode.DeadlineExceeded => 504,
        ConnectCode.NotFound => 404,
        ConnectCode.AlreadyExists => 409,
        ConnectCode.PermissionDenied => 403,
        ConnectCode.ResourceExhausted => 429,
        ConnectCode.Unimplemented => 501,
        ConnectCode.Unavailable => 503,
        ConnectCode.Unauthenticated => 401,
        _ => 500,
    };

    /// <summary>The Connect error for a failure of the API's own vocabulary (an agent failure as <see cref="Guest.GuestFailures"/> put it).</summary>
    public static ConnectException From(ApiException error) => new(error.Code switch
    {
        ApiErrorCode.InvalidRequest => ConnectCode.InvalidArgument,
        ApiErrorCode.NotFound => ConnectCode.NotFound,
        ApiErrorCode.Conflict => ConnectCode.AlreadyExists,
        ApiErrorCode.Forbidden => ConnectCode.PermissionDenied,
        ApiErrorCode.Unauthorized => ConnectCode.Unauthenticated,
        ApiErrorCode.InsufficientStorage or ApiErrorCode.TooLarge => ConnectCode.ResourceExhausted,
        ApiErrorCode.InvalidState or ApiErrorCode.HostUnavailable => ConnectCode.Unavailable,
        _ => ConnectCode.Internal,
    }, error.Message);
}
