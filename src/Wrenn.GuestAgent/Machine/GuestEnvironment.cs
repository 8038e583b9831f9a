namespace Wrenn.GuestAgent.Machine;

/// <summary>
/// The capsule identity and the default environment of every process, set by each Init (boot and
/// resume). Reads are lock-free snapshots; Init replaces the whole snapshot.
/// </summary>
internal sealed class GuestEnvironment
{
    private volatile Snapshot _current = null!;

    // Before the first Init (and in development agents) processes still get a PATH and a locale.
    public GuestEnvironment() => Set(string.Empty, string.Empty, new Dictionary<string, string>(), string.Empty);

    public string CapsuleId => _current.CapsuleId;

    public string Template => _current.Template;

    /// <summary>The user operations run as when a request names none (root unless Init said otherwise).</summary>
    public string DefaultUser => _current.DefaultUser;

    /// <summary>
    /// The variables every process starts with before the per-user ones (HOME, USER, LOGNAME,
    /// SHELL) and the request's own are laid over them.
    /// </summary>
    public IReadOnlyDictionary<string, string> Variables => _current.Variables;

    public void Set(string capsuleId, string template, IReadOnlyDictionary<string, string> extra, string defaultUser)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["LANG"] = "C.UTF-8",
            ["WRENN_CAPSULE_ID"] = capsuleId,
            ["WRENN_TEMPLATE"] = template,
            // Older scripts written for the hosted service read these names.
            ["WRENN_SANDBOX"] = "true",
            ["WRENN_SANDBOX_ID"] = capsuleId,
        };
        foreach (var (key, value) in extra)
        {
            variables[key] = value;
        }

        _current = new Snapshot(capsuleId, template, variables, defaultUser.Length == 0 ? "root" : defaultUser);
    }

    private sealed record Snapshot(string CapsuleId, string Template, IReadOnlyDictionary<string, string> Variables, string DefaultUser);
}
