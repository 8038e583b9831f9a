using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Machine;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// The user a file call acts for, and its paths as absolute, normalised guest paths: relative and
/// "~" paths are taken from that user's home. ".." is resolved lexically (as the hosted service
/// does); symlinks are left to the kernel.
/// </summary>
internal sealed class GuestPaths(GuestEnvironment environment, UserDatabase users)
{
    private const string RootHome = "/root";

    /// <summary>
    /// The user a call acts for, null for root: <paramref name="user"/>, or the default user when it
    /// is empty (a default user the guest lacks counts as root); a named user the guest lacks is an
    /// error.
    /// </summary>
    public GuestUser? OwnerOf(string user)
    {
        if (user.Length == 0)
        {
            return environment.DefaultUser == "root" ? null : users.FindUser(environment.DefaultUser);
        }

        return user == "root" ? null : users.FindUser(user) ?? throw AgentErrors.Exception(AgentErrorCode.UnknownUser, "no such user");
    }

    /// <summary>The absolute path of <paramref name="path"/> for the call's <paramref name="user"/> (empty: the default user).</summary>
    public string Resolve(string path, string user = "") => ResolveFor(path, OwnerOf(user));

    /// <summary>
    /// The home relative paths of <paramref name="owner"/> start from (null: root): its own, or "/"
    /// for an account that names none, as a process of that account gets in <c>HOME</c>.
    /// </summary>
    public static string HomeOf(GuestUser? owner) => owner is null ? RootHome : owner.Home.Length > 0 ? owner.Home : "/";

    /// <summary>The absolute path of <paramref name="path"/> for <paramref name="owner"/> (null: root).</summary>
    public static string ResolveFor(string path, GuestUser? owner)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "path is empty or contains NUL");
        }

        var home = HomeOf(owner);
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
    /// Creates <paramref name="directory"/> and its missing parents, giving each one created to
    /// <paramref name="owner"/> (as if that user had made them).
    /// </summary>
    public static void CreateDirectory(string directory, GuestUser? owner)
    {
        var missing = new List<string>();
        for (var current = directory; !Directory.Exists(current) && !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            missing.Add(current);
        }

        Directory.CreateDirectory(directory);
        foreach (var created in missing)
        {
            GiveTo(created, owner);
        }
    }

    /// <summary>Gives <paramref name="path"/>, just created by the agent, to <paramref name="owner"/>; nothing for root.</summary>
    public static void GiveTo(string path, GuestUser? owner)
    {
        if (owner is not null)
        {
            Linux.FileSystem.Ownership.Change(path, owner.Uid, owner.Gid);
        }
    }
}
