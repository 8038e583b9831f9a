namespace Wrenn.Cli;

/// <summary>The exit codes of client commands (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A failure no other code covers: a server fault, a network error.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments: the command was not sent.</summary>
    public const int Usage = 2;

    /// <summary>Not logged in, or the credential was refused (401/403).</summary>
    public const int Auth = 3;

    /// <summary>The capsule, template, key, host or path does not exist (404).</summary>
    public const int NotFound = 4;

    /// <summary>The target's state does not allow it, or it exists already (409).</summary>
    public const int Conflict = 5;

    /// <summary>Retry later: no host, host unreachable, rate or quota limit (429/503).</summary>
    public const int Unavailable = 6;

    /// <summary>Interrupted by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>`exec` and `shell` return the remote exit code; their own failures use this, as ssh does.</summary>
    public const int RemoteCommandFailure = 255;
}
