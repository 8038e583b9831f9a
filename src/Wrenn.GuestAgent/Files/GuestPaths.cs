using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// Turns request paths into absolute, normalised guest paths: relative and "~" paths are taken
/// from the default user's home. ".." is resolved lexically (as the hosted service does); symlinks
/// are left to the kernel.
/// </summary>
internal static class GuestPaths
{
    public const string Home = "/root";

    public static string Resolve(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "path is empty or contains NUL");
        }

        if (path == "~")
        {
            return Home;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        var full = Path.GetFullPath(path, Home);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
