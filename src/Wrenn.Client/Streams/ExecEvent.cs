using System.Text;

namespace Wrenn.Client;

/// <summary>Which output stream of a process a chunk came from.</summary>
public enum OutputStreamKind
{
    /// <summary>Standard output.</summary>
    Stdout,

    /// <summary>Standard error.</summary>
    Stderr,
}

/// <summary>An event of a streamed process: <see cref="ExecOutput"/> chunks, then one <see cref="ExecExit"/>.</summary>
public abstract class ExecEvent
{
    private protected ExecEvent()
    {
    }
}

/// <summary>
/// A chunk of a process's output, in the order the process wrote it (per stream). Carries bytes or
/// text, whichever the stream was asked for (<c>binary</c> of <see cref="StreamsClient.ExecAsync"/>); the other form
/// is converted on first use.
/// </summary>
public sealed class ExecOutput : ExecEvent
{
    private byte[]? _data;
    private string? _text;

    internal ExecOutput(OutputStreamKind stream, byte[]? data, string? text)
    {
        Stream = stream;
        _data = data;
        _text = text;
    }

    /// <summary>Standard output or standard error.</summary>
    public OutputStreamKind Stream { get; }

    /// <summary>
    /// The chunk's bytes: exactly what the process wrote in binary mode; in text mode the UTF-8 of
    /// <see cref="Text"/> (invalid bytes were replaced by U+FFFD on the server).
    /// </summary>
    public ReadOnlyMemory<byte> Data => _data ??= Encoding.UTF8.GetBytes(_text!);

    /// <summary>
    /// The chunk as text. In text mode the server decoded it with a streaming decoder (a character
    /// is never split between chunks). In binary mode it is this chunk's bytes decoded alone, so a
    /// character split between two chunks shows as U+FFFD: use <see cref="Data"/> there.
    /// </summary>
    public string Text => _text ??= Encoding.UTF8.GetString(_data!);

    /// <inheritdoc />
    public override string ToString() => $"{WrennEnums.NameOf(Stream)}: {Text}";
}

/// <summary>The process ended; the last event of its stream.</summary>
/// <param name="exitCode">Its exit status; 128 + N when a signal N ended it.</param>
/// <param name="timedOut">Its <c>timeout_sec</c> ran out and it was killed.</param>
public sealed class ExecExit(int exitCode, bool timedOut) : ExecEvent
{
    /// <summary>The exit status; 128 + N when a signal N ended it.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>The process's <c>timeout_sec</c> ran out and it was killed.</summary>
    public bool TimedOut { get; } = timedOut;

    /// <inheritdoc />
    public override string ToString() => TimedOut ? $"exit {ExitCode} (timed out)" : $"exit {ExitCode}";
}
