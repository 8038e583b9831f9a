using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Machine;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// Turns request paths into absolute, normalised guest paths: relative and "~" paths are taken
/// from the default user's home (root's, unless the capsule's template set another user). ".." is
/// resolved lexically (as the hosted service does); symlinks are left to the kernel.
/// </summary>
internal sealed class GuestPaths(GuestEnvironment environment, UserDatabase users)
{
    private const string RootHome = "/root";

    /// <summary>The default user, when it is not root: what the agent creates is given to it.</summary>
    public GuestUser? Owner => environment.DefaultUser == "root" ? null : users.FindUser(environment.DefaultUser);

    public string Resolve(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "path is empty or contains NUL");
        }

        var home = Owner is { Home.Length: > 0 } owner ? owner.Home : RootHome;
        if (path == "~")
        {
            return home;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        var full = Path.GetFullPath(path, home);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and its missing parents, giving each one created to the
    /// default user (as if that user had made them).
    /// </summary>
    public void CreateDirectory(string directory)
    {
        var missing = new List<string>();
        for (var current = directory; !Directory.Exists(current) && !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            missing.Add(current);
        }

        Directory.CreateDirectory(directory);
        foreach (var created in missing)
        {
            GiveToOwner(created);
        }
    }

    /// <summary>Gives <paramref name="path"/>, just created by the agent, to the default user; nothing for root.</summary>
    public void GiveToOwner(string path)
    {
        if (Owner is { } owner)
        {
            Linux.FileSystem.Ownership.Change(path, owner.Uid, owner.Gid);
        }
    }
}
