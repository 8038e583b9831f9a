using System.CommandLine;
using Wrenn.Server.Serve.Settings;

namespace Wrenn.Server.Serve;

/// <summary>
/// <c>wrenn serve</c>: runs the server and the host agent of this machine in one process. Every
/// setting of <see cref="ServeCatalog"/> is a flag, a <c>WRENN_*</c> variable and a key of the JSON
/// file named by <c>--config</c>; all are checked before anything starts.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = "JSON file of settings (keys as below, e.g. \"max_vcpus\") [env WRENN_CONFIG]",
        };
        var command = new Command("serve", "Serve the Wrenn API with capsules on this machine") { config };
        var readers = ServeCatalog.All.ToDictionary(setting => setting, setting => AddOption(command, setting));

        command.SetAction(async (parse, cancellationToken) =>
        {
            var flags = readers.ToDictionary(pair => pair.Key, pair => pair.Value(parse));
            var reader = new SettingsReader();
            var resolved = reader.Read(flags, Environment.GetEnvironmentVariables(), parse.GetValue(config) ?? Environment.GetEnvironmentVariable("WRENN_CONFIG"));
            var settings = ServeSettings.From(resolved);
            var problems = reader.Errors.Concat(settings.Problems()).ToList();
            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync("wrenn serve: cannot start:\n  " + string.Join("\n  ", problems)).ConfigureAwait(false);
                return 2;
            }

            await using var app = ServeHost.Build(settings);
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Adds the setting's flag; returns how to read what was given for it.</summary>
    internal static Func<ParseResult, IReadOnlyList<string>> AddOption(Command command, Setting setting)
    {
        var description = $"{setting.Description} [env {setting.EnvironmentVariable}; default: {setting.DefaultText}]";
        if (setting.IsList)
        {
            var list = new Option<string[]>(setting.Flag) { Description = description, Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
            command.Options.Add(list);
            return parse => parse.GetValue(list) ?? [];
        }

        var single = new Option<string>(setting.Flag) { Description = description };
        command.Options.Add(single);
        return parse => parse.GetValue(single) is { } value ? [value] : [];
    }
}
