using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Templates;

/// <summary><c>wrenn template list|build|rm</c>.</summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var command = new Command("template", "List, build and delete templates") { List(), BuildCommand.Create(), Remove() };
        command.Aliases.Add("templates");
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Platform templates and the team's, by name");
        command.Aliases.Add("ls");
        command.SetRun(async (run, cancellationToken) =>
        {
            var templates = await run.Client.Templates.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            run.Out.Write(templates, CliJson.Default.IReadOnlyListTemplate, list =>
            {
                var table = Tables.Create("NAME", "TYPE", "VCPUS", "MEMORY", "SIZE", "PLATFORM", "CREATED");
                foreach (var template in list)
                {
                    table.AddRow(Markup.Escape(template.Name), WrennEnums.NameOf(template.Type),
                        template.Vcpus?.ToString(CultureInfo.InvariantCulture) ?? "-",
                        template.MemoryMb is { } memory ? $"{memory} MiB" : "-",
                        $"{template.SizeBytes / 1048576.0:0} MiB", template.Platform ? "yes" : "no", Capsules.CapsuleTable.Time(template.CreatedAt));
                }

                return table;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "The template's name" };
        var command = new Command("rm", "Delete one of the team's templates (capsules made from it keep working)") { name };
        command.Aliases.Add("delete");
        command.SetRun(async (run, cancellationToken) =>
        {
            await run.Client.Templates.DeleteAsync(run.Get(name), cancellationToken).ConfigureAwait(false);
            run.Out.Say($"Deleted template {Markup.Escape(run.Get(name))}");
            return ExitCodes.Success;
        });
        return command;
    }
}
