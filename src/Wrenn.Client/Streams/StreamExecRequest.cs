namespace Wrenn.Client;

/// <summary>A process to run with its output streamed (<see cref="StreamsClient.ExecAsync"/>).</summary>
public sealed class StreamExecRequest
{
    /// <summary>The executable: a path, or a name looked up in <c>PATH</c>; never run through a shell.</summary>
    public required string Cmd { get; set; }

    /// <summary>Its arguments, passed verbatim.</summary>
    public IReadOnlyList<string>? Args { get; set; }

    /// <summary>Environment variables over the template's defaults (literal, no expansion).</summary>
    public IReadOnlyDictionary<string, string>? Envs { get; set; }

    /// <summary>Its working directory (an existing directory); default the user's home.</summary>
    public string? Cwd { get; set; }

    /// <summary>Seconds until it is killed (then its exit says <see cref="ExecExit.TimedOut"/>); 0 or null: no limit.</summary>
    public int? TimeoutSec { get; set; }

    /// <summary>Its tag in the process list (<c>proc-</c> + 8 hex when null); must not be a live process's.</summary>
    public string? Tag { get; set; }

    /// <summary>The guest user it runs as; default the template's.</summary>
    public string? User { get; set; }

    /// <summary>
    /// Output as exact bytes (base64 on the wire) instead of UTF-8 text; for binary output, or to pass
    /// it on unchanged. See <see cref="ExecOutput"/>.
    /// </summary>
    public bool Binary { get; set; }
}
