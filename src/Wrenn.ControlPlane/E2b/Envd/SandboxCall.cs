using System.Text.Json;
using System.Text.RegularExpressions;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// One data-plane request on a running sandbox: the capsule's guest session and the user the
/// request acts as (E2B's per-request user: HTTP Basic on RPCs, <c>username</c> on <c>/files</c>;
/// by default the capsule's E2B user).
/// </summary>
internal sealed partial class SandboxCall(GuestSession session, string user) : IDisposable
{
    public GuestSession Session { get; } = session;

    public CapsuleRecord Record => Session.Record;

    public string User { get; } = user;

    /// <summary>Whether <paramref name="name"/> can name a guest user (what useradd accepts, at most 32 characters).</summary>
    public static bool IsUserName(string name) => UserName().IsMatch(name);

    /// <summary>
    /// A path for the guest agent, which resolves relative and <c>~</c> paths against the call's
    /// user's home: E2B's empty path is that home.
    /// </summary>
    public static string PathOf(string path) => path.Length == 0 ? "~" : path;

    /// <summary>A process's environment: the sandbox's variables, E2B's own, then the request's.</summary>
    public Dictionary<string, string> Environment(IEnumerable<KeyValuePair<string, string>> requested)
    {
        var env = Record.GuestEnv is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];
        env["E2B_SANDBOX"] = "true";
        env["E2B_SANDBOX_ID"] = Record.Id;
        env["E2B_TEMPLATE_ID"] = Record.Template;
        foreach (var (key, value) in requested)
        {
            env[key] = value;
        }

        return env;
    }

    public void Dispose() => Session.Dispose();

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();
}
