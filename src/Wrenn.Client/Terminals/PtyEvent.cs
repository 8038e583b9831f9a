namespace Wrenn.Client;

/// <summary>An event of a terminal session: <see cref="PtyOutput"/>, a non-fatal <see cref="PtyError"/>, or the final <see cref="PtyExit"/>.</summary>
public abstract class PtyEvent
{
    private protected PtyEvent()
    {
    }
}

/// <summary>Bytes the terminal wrote (on re-attach, first what it wrote while detached: its last 64 KiB).</summary>
public sealed class PtyOutput : PtyEvent
{
    internal PtyOutput(byte[] data) => Data = data;

    /// <summary>The bytes, exactly as the terminal wrote them.</summary>
    public ReadOnlyMemory<byte> Data { get; }
}

/// <summary>The session's process ended; the last event. The tag is free again.</summary>
public sealed class PtyExit : PtyEvent
{
    internal PtyExit(int exitCode) => ExitCode = exitCode;

    /// <summary>Its exit status; 128 + N when a signal N ended it.</summary>
    public int ExitCode { get; }
}

/// <summary>The server refused one client message (an out-of-range resize, say); the session continues.</summary>
public sealed class PtyError : PtyEvent
{
    internal PtyError(string message) => Message = message;

    /// <summary>What was wrong, for humans.</summary>
    public string Message { get; }
}
