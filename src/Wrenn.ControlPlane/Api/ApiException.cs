namespace Wrenn.ControlPlane.Api;

/// <summary>
/// An expected failure with its API error code, raised where it happens and written as the error
/// body by <see cref="ErrorReplies"/>. The message is for humans and never carries host details.
/// </summary>
internal sealed class ApiException(ApiErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ApiErrorCode Code { get; } = code;

    /// <summary>Extra members of the error object (e.g. <c>capsule_id</c>).</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    /// <summary>The capsules that stand in the way (<c>host_has_capsules</c>): sent inside <c>error</c> and at the top level.</summary>
    public IReadOnlyList<string>? CapsuleIds { get; init; }

    /// <summary>Seconds for <c>Retry-After</c>, when retrying can succeed.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>An HTTP status other than the code's own, where HTTP has a more precise one (414, 431).</summary>
    public int? Status { get; init; }

    public static ApiException Invalid(string message) => new(ApiErrorCode.InvalidRequest, message);

    public static ApiException NotFound(string what) => new(ApiErrorCode.NotFound, what + " not found");

    public static ApiException State(string message) => new(ApiErrorCode.InvalidState, message);

    /// <summary>A 400 with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw Invalid(message);
        }
    }
}
