using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>How a listed process was started.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ProcessKind>))]
public enum ProcessKind
{
    /// <summary>A foreground exec still running.</summary>
    Exec,

    /// <summary>A background exec.</summary>
    Background,

    /// <summary>A streaming exec.</summary>
    Stream,

    /// <summary>A terminal (PTY) session.</summary>
    Pty,
}
