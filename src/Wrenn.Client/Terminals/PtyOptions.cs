namespace Wrenn.Client;

/// <summary>A new terminal session (<see cref="TerminalsClient.StartAsync"/>); every member is optional.</summary>
public sealed class PtyOptions
{
    /// <summary>The program; default <c>/bin/bash</c>.</summary>
    public string? Cmd { get; set; }

    /// <summary>Its arguments, passed verbatim.</summary>
    public IReadOnlyList<string>? Args { get; set; }

    /// <summary>Terminal width in columns (1–1000); default 80.</summary>
    public int? Cols { get; set; }

    /// <summary>Terminal height in rows (1–1000); default 24.</summary>
    public int? Rows { get; set; }

    /// <summary>Environment variables over the template's defaults; <c>TERM</c> is <c>xterm-256color</c> unless set here.</summary>
    public IReadOnlyDictionary<string, string>? Envs { get; set; }

    /// <summary>The working directory; default the user's home.</summary>
    public string? Cwd { get; set; }

    /// <summary>The guest user; default the template's.</summary>
    public string? User { get; set; }

    /// <summary>The session's tag, to reconnect by (<c>pty-</c> + 8 hex when null); must not be a live process's.</summary>
    public string? Tag { get; set; }
}

/// <summary>The PTY protocol's <c>start</c> message.</summary>
internal sealed record PtyStartMessage(
    string Type, string? Cmd, IReadOnlyList<string>? Args, int? Cols, int? Rows, IReadOnlyDictionary<string, string>? Envs, string? Cwd, string? User,
    string? Tag);

/// <summary>The PTY protocol's <c>connect</c> message.</summary>
internal sealed record PtyConnectMessage(string Type, string Tag);

/// <summary>The PTY protocol's <c>resize</c> message.</summary>
internal sealed record PtyResizeMessage(string Type, int Cols, int Rows);
