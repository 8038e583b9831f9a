using System.Text.Json;

namespace Wrenn.Client;

/// <summary>The server message types of the exec, attach and PTY protocols.</summary>
internal enum StreamMessageType
{
    /// <summary>A type this SDK does not know (a newer server): skipped.</summary>
    Unknown,
    Start,
    Started,
    Stdout,
    Stderr,
    Output,
    Exit,
    Error,
    Ping,
}

/// <summary>
/// One server message of the exec, attach or PTY protocol, read with <see cref="Utf8JsonReader"/>
/// straight from the receive buffer: base64 <c>data</c> is decoded into its bytes without an
/// intermediate string, which keeps a terminal's echo path short.
/// </summary>
internal readonly record struct StreamMessage(
    StreamMessageType Type, int Pid, string? Tag, int ExitCode, bool TimedOut, bool Fatal, string? Text, byte[]? Bytes)
{
    /// <param name="json">The message.</param>
    /// <param name="base64Output">Output <c>data</c> (<c>stdout</c>, <c>stderr</c>, <c>output</c>) is base64; an error's is always text.</param>
    public static StreamMessage Parse(ReadOnlySpan<byte> json, bool base64Output)
    {
        var reader = new Utf8JsonReader(json);
        var type = StreamMessageType.Unknown;
        int pid = 0, exitCode = 0;
        string? tag = null;
        bool timedOut = false, fatal = false;
        var hasData = false;
        var data = default(Utf8JsonReader);
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader;
                reader.Read();
                if (name.ValueTextEquals("type"u8))
                {
                    type = TypeOf(ref reader);
                }
                else if (name.ValueTextEquals("data"u8))
                {
                    // Its meaning depends on the type, which may come later: decoded after the loop.
                    hasData = true;
                    data = reader;
                }
                else if (name.ValueTextEquals("pid"u8))
                {
                    pid = reader.GetInt32();
                }
                else if (name.ValueTextEquals("tag"u8))
                {
                    tag = reader.GetString();
                }
                else if (name.ValueTextEquals("exit_code"u8))
                {
                    exitCode = reader.GetInt32();
                }
                else if (name.ValueTextEquals("timed_out"u8))
                {
                    timedOut = reader.GetBoolean();
                }
                else if (name.ValueTextEquals("fatal"u8))
                {
                    fatal = reader.GetBoolean();
                }

                reader.Skip();
            }

            string? text = null;
            byte[]? bytes = null;
            if (hasData)
            {
                if (base64Output && type is StreamMessageType.Stdout or StreamMessageType.Stderr or StreamMessageType.Output)
                {
                    bytes = data.GetBytesFromBase64();
                }
                else
                {
                    text = data.GetString();
                }
            }

            return new StreamMessage(type, pid, tag, exitCode, timedOut, fatal, text, bytes);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            throw new WrennStreamException("the server sent a malformed message", null, exception);
        }
    }

    private static StreamMessageType TypeOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("output"u8) ? StreamMessageType.Output
        : reader.ValueTextEquals("stdout"u8) ? StreamMessageType.Stdout
        : reader.ValueTextEquals("stderr"u8) ? StreamMessageType.Stderr
        : reader.ValueTextEquals("start"u8) ? StreamMessageType.Start
        : reader.ValueTextEquals("started"u8) ? StreamMessageType.Started
        : reader.ValueTextEquals("exit"u8) ? StreamMessageType.Exit
        : reader.ValueTextEquals("error"u8) ? StreamMessageType.Error
        : reader.ValueTextEquals("ping"u8) ? StreamMessageType.Ping
        : StreamMessageType.Unknown;

    private static void Expect(bool condition)
    {
        if (!condition)
        {
            throw new JsonException("a message must be a JSON object");
        }
    }
}
