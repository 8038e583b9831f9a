using System.CommandLine;

namespace Wrenn.Cli.Capsules;

/// <summary>Options <c>exec</c> and <c>shell</c> share: where and as whom the guest process runs.</summary>
internal sealed class CommandOptions
{
    public Option<string[]> Env { get; } = new("--env", "-e")
    {
        Description = "Environment variable NAME=VALUE (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Cwd { get; } = new("--cwd", "-w") { Description = "Working directory (default the user's home)" };

    public Option<string?> User { get; } = new("--user", "-u") { Description = "Guest user (default the template's, root)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Env);
        command.Options.Add(Cwd);
        command.Options.Add(User);
        Env.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"--env '{token.Value}' is not NAME=VALUE");
                }
            }
        });
    }

    public IReadOnlyDictionary<string, string>? Environment(Invocation run)
    {
        var pairs = run.Get(Env) ?? [];
        return pairs.Length == 0 ? null : pairs.Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
    }
}
