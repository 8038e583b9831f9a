namespace Wrenn.Host.Protocol;

/// <summary>
/// A lifecycle step failed in an expected way (<see cref="Failure"/>). The message is for logs: it
/// may name host paths.
/// </summary>
public sealed class CapsuleException : Exception
{
    public CapsuleException(CapsuleFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public CapsuleFailure Failure { get; }
}
