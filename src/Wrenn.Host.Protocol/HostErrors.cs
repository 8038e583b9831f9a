using Grpc.Core;

namespace Wrenn.Host.Protocol;

/// <summary>
/// How a remote host reports an expected failure: gRPC FailedPrecondition with the
/// <see cref="CapsuleFailure"/> in a trailer, so the control plane throws the same
/// <see cref="CapsuleException"/> an in-process host would.
/// </summary>
public static class HostErrors
{
    public const string FailureTrailer = "wrenn-capsule-failure";

    /// <summary>The metadata entry naming the capsule a relayed guest call is for.</summary>
    public const string CapsuleHeader = "wrenn-capsule";

    public static RpcException ToRpc(CapsuleException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // The message may name host paths: it stays in the host's log.
        return new RpcException(new Status(StatusCode.FailedPrecondition, exception.Failure.ToString()),
            new Metadata { { FailureTrailer, exception.Failure.ToString() } });
    }

    /// <summary>The failure a host call ended with, as the in-process host would have thrown it.</summary>
    public static Exception FromRpc(RpcException exception, string operation)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Trailers.GetValue(FailureTrailer) is { } name && Enum.TryParse<CapsuleFailure>(name, out var failure))
        {
            return new CapsuleException(failure, $"{operation} failed on the host: {failure}", exception);
        }

        return exception.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
            ? new HostUnavailableException($"{operation}: the host did not answer ({exception.StatusCode})", exception)
            : new CapsuleException(CapsuleFailure.AgentFailed, $"{operation} failed on the host ({exception.StatusCode})", exception);
    }
}
