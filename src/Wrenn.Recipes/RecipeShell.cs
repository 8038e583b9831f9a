using System.Text;
using System.Text.RegularExpressions;

namespace Wrenn.Recipes;

/// <summary>
/// Where a build stands between steps (environment, directory, user) and how a step's command is
/// wrapped for <c>/bin/sh -c</c>, exactly as the reference Wrenn wraps it, so recipes behave the same:
/// <c>cd 'dir' &amp;&amp; K='v' … /bin/sh -c 'cmd'</c>, inside <c>su 'user' -s /bin/sh -c …</c> for a non-root user.
/// </summary>
public sealed partial class RecipeShell
{
    /// <summary>What a capsule's environment lacks when <c>env</c> could not be read.</summary>
    public static readonly IReadOnlyDictionary<string, string> FallbackEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["HOME"] = "/root",
    };

    // Session variables and the build capsule's identity, which no template carries into its capsules.
    private static readonly HashSet<string> NotInherited = new(StringComparer.Ordinal)
    {
        "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "HOSTNAME", "TERM", "SHLVL", "_",
        "WRENN_SANDBOX", "WRENN_SANDBOX_ID", "WRENN_TEMPLATE", "WRENN_TEMPLATE_ID", "WRENN_CAPSULE_ID",
    };

    private readonly SortedDictionary<string, string> _environment;

    public RecipeShell(IEnumerable<KeyValuePair<string, string>> environment)
    {
        _environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            _environment[key] = value;
        }
    }

    public string User { get; private set; } = "root";

    public string WorkDir { get; private set; } = "";

    /// <summary>The environment a template built this way gives its capsules (session variables removed).</summary>
    public IReadOnlyDictionary<string, string> TemplateEnvironment =>
        _environment.Where(pair => !NotInherited.Contains(pair.Key)).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    /// <summary>Parses the output of <c>env</c>: one KEY=VALUE per line.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseEnv(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (Line: line, Split: line.IndexOf('=', StringComparison.Ordinal)))
            .Where(entry => entry.Split > 0)
            .Select(entry => KeyValuePair.Create(entry.Line[..entry.Split], entry.Line[(entry.Split + 1)..]));

    /// <summary>Single-quotes <paramref name="text"/> for a POSIX shell.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The shell text a RUN step executes.</summary>
    public string RunCommand(string command)
    {
        var prefix = Prefix();
        return AsUser(prefix.Length == 0 ? command : prefix + "/bin/sh -c " + Quote(command));
    }

    /// <summary>The shell text a START step executes: the command detached, its output discarded.</summary>
    public string StartCommand(string command) => AsUser(Prefix() + "nohup /bin/sh -c " + Quote(command) + " >/dev/null 2>&1 &");

    /// <summary>The healthcheck's shell text: as the build's user, without directory or environment.</summary>
    public string CheckCommand(string command) => AsUser(command);

    /// <summary>ENV: sets <paramref name="key"/> to <paramref name="value"/> with <c>$VAR</c>, <c>${VAR}</c> and <c>$$</c> expanded.</summary>
    public void Set(string key, string value) => _environment[key] = Expand(value);

    public void ChangeDirectory(string path) => WorkDir = path;

    /// <summary>USER: later steps run as <paramref name="name"/>, with its home as HOME.</summary>
    public void ChangeUser(string name)
    {
        User = name;
        _environment["HOME"] = name == "root" ? "/root" : "/home/" + name;
    }

    /// <summary>Runs later steps as <paramref name="name"/> and leaves the environment as it is (the fixed phases, the healthcheck).</summary>
    public void UseAccount(string name) => User = name;

    /// <summary>Expands variables against the current environment; a missing one is empty.</summary>
    public string Expand(string value) => Variables().Replace(value, match =>
        match.Value == "$$" ? "$" : _environment.GetValueOrDefault(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value, ""));

    private string Prefix()
    {
        var prefix = new StringBuilder();
        if (WorkDir.Length > 0)
        {
            prefix.Append("cd ").Append(Quote(WorkDir)).Append(" && ");
        }

        foreach (var (key, value) in _environment)
        {
            prefix.Append(key).Append('=').Append(Quote(value)).Append(' ');
        }

        return prefix.ToString();
    }

    private string AsUser(string command) =>
        User is "" or "root" ? command : "su " + Quote(User) + " -s /bin/sh -c " + Quote(command);

    [GeneratedRegex(@"\$\$|\$\{([a-zA-Z0-9_]*)\}|\$([a-zA-Z0-9_]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Variables();
}
