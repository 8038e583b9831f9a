using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Guest;

/// <summary>
/// Maps the guest agent's typed failures to API errors. The agent's own message text never
/// reaches a client (the guest is hostile); messages name only what the client sent.
/// </summary>
internal static class GuestFailures
{
    /// <param name="exception">The failed agent call.</param>
    /// <param name="subject">What the client asked about (a guest path, a command), for the message.</param>
    /// <param name="lookup">
    /// The call only looked a path up: a component that is not a directory means the path is missing
    /// (404, spec §4.11); creating below one (write, mkdir) is a bad request (400).
    /// </param>
    public static ApiException Translate(RpcException exception, string? subject = null, bool lookup = false)
    {
        var about = subject is null ? string.Empty : $": {subject}";
        return AgentErrors.CodeOf(exception) switch
        {
            AgentErrorCode.InvalidArgument => ApiException.Invalid("the request was refused by the capsule" + about),
            AgentErrorCode.NotFound => new ApiException(ApiErrorCode.NotFound, "not found" + about),
            AgentErrorCode.NotADirectory when lookup => new ApiException(ApiErrorCode.NotFound, "not found (not a directory)" + about),
            AgentErrorCode.NotADirectory => ApiException.Invalid("a parent path component is not a directory" + about),
            AgentErrorCode.IsADirectory => ApiException.Invalid("the path is a directory" + about),
            AgentErrorCode.Conflict => new ApiException(ApiErrorCode.Conflict, "already exists or in use" + about),
            AgentErrorCode.PermissionDenied => new ApiException(ApiErrorCode.Forbidden, "permission denied in the capsule" + about),
            AgentErrorCode.NoSpace => new ApiException(ApiErrorCode.InsufficientStorage, "the capsule's filesystem is full"),
            AgentErrorCode.TooLarge => new ApiException(ApiErrorCode.TooLarge, "above the size limit" + about),
            AgentErrorCode.CannotStart => ApiException.Invalid("cmd cannot be started" + about),
            AgentErrorCode.UnknownUser => ApiException.Invalid("user does not exist in the capsule"),
            AgentErrorCode.PortUnreachable => new ApiException(ApiErrorCode.PortUnreachable, "nothing accepts connections on the guest port") { RetryAfterSeconds = 1 },
            _ => new ApiException(ApiErrorCode.AgentError, "the guest agent failed"),
        };
    }
}
