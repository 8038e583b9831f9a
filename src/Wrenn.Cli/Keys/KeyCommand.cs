using System.CommandLine;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Keys;

/// <summary><c>wrenn key list|create|revoke</c>: the team's API keys (a session: <c>wrenn login --email</c>).</summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var command = new Command("key", "List, create and revoke the team's API keys") { List(), CreateKey(), Revoke() };
        command.Aliases.Add("keys");
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "The team's API keys (their prefixes; a key is shown only when created)");
        command.Aliases.Add("ls");
        command.SetRun(async (run, cancellationToken) =>
        {
            var keys = await run.Client.ApiKeys.ListAsync(cancellationToken).ConfigureAwait(false);
            run.Out.Write(keys, CliJson.Default.IReadOnlyListApiKey, list =>
            {
                var table = Tables.Create("ID", "NAME", "PREFIX", "CREATED", "LAST USED");
                foreach (var key in list)
                {
                    table.AddRow(key.Id.Value, Markup.Escape(key.Name), key.KeyPrefix + "…", Capsules.CapsuleTable.Time(key.CreatedAt),
                        key.LastUsedAt is { } used ? Capsules.CapsuleTable.Time(used) : "never");
                }

                return table;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateKey()
    {
        var name = new Argument<string?>("name") { Description = "A name to recognise it by", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("create", "Create an API key; it is printed once and cannot be read again") { name };
        command.SetRun(async (run, cancellationToken) =>
        {
            var key = await run.Client.ApiKeys.CreateAsync(run.Get(name), cancellationToken).ConfigureAwait(false);
            if (run.Out.Json)
            {
                Terminal.WriteJson(key, CliJson.Default.CreatedApiKey);
            }
            else
            {
                run.Out.Say($"Created {key.Id} ({Markup.Escape(key.Name)}). The key, shown only now:");
                Console.Out.WriteLine(key.Key);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The key's id (key-…)" };
        var command = new Command("revoke", "Revoke an API key: it stops working at once") { id };
        command.Aliases.Add("rm");
        command.SetRun(async (run, cancellationToken) =>
        {
            if (!ApiKeyId.TryParse(run.Get(id), out var key))
            {
                throw new CliException($"'{run.Get(id)}' is not a key id (key-…)", ExitCodes.Usage);
            }

            await run.Client.ApiKeys.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            run.Out.Say($"Revoked {key}");
            return ExitCodes.Success;
        });
        return command;
    }
}
