namespace Wrenn.Client;

/// <summary>The reply of a foreground exec as sent: the output as text, or as base64 when it is not UTF-8.</summary>
internal sealed record ExecReply(
    CapsuleId SandboxId,
    string Cmd,
    int Pid,
    string Tag,
    string Stdout,
    string Stderr,
    int ExitCode,
    long DurationMs,
    string Encoding,
    bool TimedOut,
    bool Truncated);
