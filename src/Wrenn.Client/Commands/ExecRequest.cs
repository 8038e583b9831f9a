namespace Wrenn.Client;

/// <summary>
/// A command to run in a capsule. <see cref="Cmd"/> is executed directly, never through a shell
/// (see <see cref="Shell"/> for a script). Vary one with <c>with</c>:
/// <c>ExecRequest.Shell("make") with { Cwd = "/src" }</c>.
/// </summary>
public sealed record ExecRequest
{
    /// <summary>A command: <paramref name="cmd"/> (a path, or a name looked up in <c>PATH</c>) with <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="cmd"/> is empty.</exception>
    public ExecRequest(string cmd, params IReadOnlyList<string> args)
    {
        ArgumentException.ThrowIfNullOrEmpty(cmd);
        Cmd = cmd;
        Args = args;
    }

    /// <summary>The executable.</summary>
    public string Cmd { get; }

    /// <summary>Its arguments, passed verbatim.</summary>
    public IReadOnlyList<string> Args { get; init; }

    /// <summary>Variables set on top of the template's environment; literal, not expanded.</summary>
    public IReadOnlyDictionary<string, string>? Envs { get; init; }

    /// <summary>The working directory (an existing directory); default the user's home.</summary>
    public string? Cwd { get; init; }

    /// <summary>
    /// Seconds before the process group is killed: foreground 1–3600 (default 30), background 0–86400 (default 0: none).
    /// </summary>
    public int? TimeoutSec { get; init; }

    /// <summary>A name for the process (unique among the capsule's live processes, not all digits); default <c>proc-</c> and 8 hex digits.</summary>
    public string? Tag { get; init; }

    /// <summary>The guest user to run as; default the template's user.</summary>
    public string? User { get; init; }

    /// <summary>A shell script: <c>/bin/sh -c <paramref name="script"/></c>, with the shell's expansion, pipes and redirections.</summary>
    public static ExecRequest Shell(string script) => new("/bin/sh", "-c", script);
}
