using System.Text.Json;

namespace Wrenn.Client;

/// <summary>A message of a build's log socket, every type's members in one shape.</summary>
internal sealed class BuildLogMessage
{
    public string? Type { get; set; }

    public int Step { get; set; }

    public BuildPhase Phase { get; set; }

    public string? Cmd { get; set; }

    public string? Stdout { get; set; }

    public string? Stderr { get; set; }

    public int Exit { get; set; }

    public bool Ok { get; set; }

    public long ElapsedMs { get; set; }

    public string? Stream { get; set; }

    public string? Data { get; set; }

    public BuildStatus? Status { get; set; }

    public string? Error { get; set; }

    public static BuildLogMessage Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, WrennJson.Default.BuildLogMessage) ?? throw new JsonException("null message");
        }
        catch (JsonException exception)
        {
            throw new WrennStreamException("the server sent a malformed message", null, exception);
        }
    }

    /// <summary>The public event; null for a type this SDK does not know (a newer server).</summary>
    public BuildLogEvent? ToEvent() => Type switch
    {
        "output" => new BuildStepOutput(Step, Stream == "stderr" ? OutputStreamKind.Stderr : OutputStreamKind.Stdout, Data ?? string.Empty),
        "step" => new BuildStepEnded(Step, Phase, Cmd ?? string.Empty, Stdout ?? string.Empty, Stderr ?? string.Empty, Exit, Ok,
            TimeSpan.FromMilliseconds(ElapsedMs)),
        "status" when Status is { } status => new BuildStatusChanged(status, Error),
        _ => null,
    };
}
