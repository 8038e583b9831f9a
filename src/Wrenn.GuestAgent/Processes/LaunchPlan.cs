using System.Globalization;
using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Machine;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// What to exec for a request: the resolved executable, argv, environment and working directory,
/// as the requested user. Validation failures are the request's fault and carry its error code.
/// </summary>
internal sealed record LaunchPlan(string Path, IReadOnlyList<string> Argv, IReadOnlyList<string> Environment, string WorkingDirectory)
{
    // util-linux's setpriv (Debian essential) drops to the user after the agent has spawned as
    // root; posix_spawn cannot change credentials itself.
    private const string SetPriv = "/usr/bin/setpriv";

    public static LaunchPlan For(string cmd, IEnumerable<string> args, IReadOnlyDictionary<string, string> envs, string cwd, string user,
        UserDatabase users, GuestEnvironment environment, IReadOnlyDictionary<string, string>? extraDefaults = null)
    {
        if (string.IsNullOrEmpty(cmd))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "cmd is empty");
        }

        var account = users.FindUser(string.IsNullOrEmpty(user) ? environment.DefaultUser : user)
            ?? throw AgentErrors.Exception(AgentErrorCode.UnknownUser, "no such user");
        var home = Files.GuestPaths.HomeOf(account);
        var directory = Files.GuestPaths.ResolveFor(string.IsNullOrEmpty(cwd) ? "~" : cwd, account);
        if (!Directory.Exists(directory))
        {
            throw AgentErrors.Exception(AgentErrorCode.NotFound, "working directory does not exist");
        }

        var variables = new Dictionary<string, string>(environment.Variables, StringComparer.Ordinal)
        {
            ["HOME"] = home,
            ["USER"] = account.Name,
            ["LOGNAME"] = account.Name,
            ["SHELL"] = string.IsNullOrEmpty(account.Shell) ? "/bin/sh" : account.Shell,
        };
        foreach (var (key, value) in extraDefaults ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        foreach (var (key, value) in envs)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "bad environment variable");
            }

            variables[key] = value;
        }

        var path = Resolve(cmd, directory, variables.GetValueOrDefault("PATH") ?? string.Empty)
            ?? throw AgentErrors.Exception(AgentErrorCode.CannotStart, "command not found");
        List<string> argv = [cmd, .. args];
        if (account.Uid != 0)
        {
            var groups = account.SupplementaryGids.Count == 0
                ? "--clear-groups"
                : "--groups=" + string.Join(',', account.SupplementaryGids.Select(gid => gid.ToString(CultureInfo.InvariantCulture)));
            argv = [SetPriv, $"--reuid={account.Uid}", $"--regid={account.Gid}", groups, "--", path, .. args];
            path = SetPriv;
        }

        var entries = variables.Select(pair => pair.Key + "=" + pair.Value).ToList();
        return new LaunchPlan(path, argv, entries, directory);
    }

    /// <summary>The executable a shell would run for <paramref name="cmd"/>, or null.</summary>
    private static string? Resolve(string cmd, string directory, string searchPath)
    {
        if (cmd.Contains('/', StringComparison.Ordinal))
        {
            var path = System.IO.Path.GetFullPath(cmd, directory);
            return File.Exists(path) ? path : null;
        }

        foreach (var entry in searchPath.Split(':'))
        {
            var candidate = System.IO.Path.Combine(entry.Length == 0 ? directory : entry, cmd);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }
}
