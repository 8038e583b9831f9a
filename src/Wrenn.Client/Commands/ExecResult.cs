using System.Text;

namespace Wrenn.Client;

/// <summary>How a foreground command ended, with its output.</summary>
public sealed record ExecResult
{
    /// <summary>The capsule it ran in.</summary>
    public required CapsuleId CapsuleId { get; init; }

    /// <summary>The command as requested.</summary>
    public required string Cmd { get; init; }

    /// <summary>Its guest process id.</summary>
    public required int Pid { get; init; }

    /// <summary>Its tag.</summary>
    public required string Tag { get; init; }

    /// <summary>Its exit status: 128 + N when signal N ended it; 124 when it timed out.</summary>
    public required int ExitCode { get; init; }

    /// <summary>From spawn to exit.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>It was killed at its timeout; the output is what it wrote until then.</summary>
    public required bool TimedOut { get; init; }

    /// <summary>An output stream passed 16 MiB; the rest was discarded.</summary>
    public required bool Truncated { get; init; }

    /// <summary>
    /// The output was not all UTF-8: <see cref="Stdout"/> and <see cref="Stderr"/> then hold replacement
    /// characters, and only <see cref="StdoutBytes"/> and <see cref="StderrBytes"/> are exact.
    /// </summary>
    public required bool IsBinary { get; init; }

    /// <summary>The standard output as text.</summary>
    public required string Stdout { get; init; }

    /// <summary>The standard error as text.</summary>
    public required string Stderr { get; init; }

    /// <summary>The standard output, byte for byte.</summary>
    public required ReadOnlyMemory<byte> StdoutBytes { get; init; }

    /// <summary>The standard error, byte for byte.</summary>
    public required ReadOnlyMemory<byte> StderrBytes { get; init; }

    /// <summary>The process exited with status 0 (and was not killed at its timeout).</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    internal static ExecResult Of(ExecReply reply)
    {
        // The server sends both streams as base64 as soon as either is not valid UTF-8.
        var binary = reply.Encoding == "base64";
        byte[] stdout = binary ? Convert.FromBase64String(reply.Stdout) : Encoding.UTF8.GetBytes(reply.Stdout);
        byte[] stderr = binary ? Convert.FromBase64String(reply.Stderr) : Encoding.UTF8.GetBytes(reply.Stderr);
        return new ExecResult
        {
            CapsuleId = reply.SandboxId,
            Cmd = reply.Cmd,
            Pid = reply.Pid,
            Tag = reply.Tag,
            ExitCode = reply.ExitCode,
            Duration = TimeSpan.FromMilliseconds(reply.DurationMs),
            TimedOut = reply.TimedOut,
            Truncated = reply.Truncated,
            IsBinary = binary,
            Stdout = binary ? Encoding.UTF8.GetString(stdout) : reply.Stdout,
            Stderr = binary ? Encoding.UTF8.GetString(stderr) : reply.Stderr,
            StdoutBytes = stdout,
            StderrBytes = stderr,
        };
    }
}
