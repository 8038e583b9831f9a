using System.Net.WebSockets;

namespace Wrenn.Client;

/// <summary>
/// A stream (streaming exec, attach, PTY, build log) ended without its normal end: the server's
/// terminal <c>error</c> message (its text is the message, for humans only), a close without one,
/// or a lost connection.
/// </summary>
public class WrennStreamException : Exception
{
    /// <summary>A stream failure.</summary>
    public WrennStreamException(string message, WebSocketCloseStatus? closeStatus, Exception? innerException = null)
        : base(message, innerException) => CloseStatus = closeStatus;

    /// <summary>How the server closed the socket; null when it did not (the connection broke).</summary>
    public WebSocketCloseStatus? CloseStatus { get; }
}

/// <summary>
/// The server refused to start the stream's process or session (bad <c>cmd</c>, <c>cwd</c> or
/// <c>user</c>, a tag in use, a PTY tag that is unknown or ended): nothing runs.
/// </summary>
public sealed class StreamStartException(string message, WebSocketCloseStatus? closeStatus)
    : WrennStreamException(message, closeStatus);

/// <summary>
/// The server ended the stream because the capsule was paused, snapshotted or deleted, or because
/// it is shutting down (close 1001). A paused capsule's processes and PTY sessions live on: resume it
/// and attach again.
/// </summary>
public sealed class StreamInterruptedException(string message, CapsuleStatus? capsuleStatus)
    : WrennStreamException(message, WebSocketCloseStatus.EndpointUnavailable)
{
    /// <summary>
    /// <see cref="CapsuleStatus.Paused"/> or <see cref="CapsuleStatus.Stopped"/> (deleted) when the
    /// server said which; null for a server shutdown.
    /// </summary>
    public CapsuleStatus? CapsuleStatus { get; } = capsuleStatus;
}
