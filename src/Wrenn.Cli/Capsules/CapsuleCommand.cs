using System.CommandLine;

namespace Wrenn.Cli.Capsules;

/// <summary><c>wrenn capsule …</c>: everything done to capsules.</summary>
internal static class CapsuleCommand
{
    public static Command Create()
    {
        var command = new Command("capsule", "Create, inspect and use capsules");
        command.Aliases.Add("capsules");
        foreach (var subcommand in LifecycleCommands.Create())
        {
            command.Subcommands.Add(subcommand);
        }

        command.Subcommands.Add(ExecCommand.Create());
        command.Subcommands.Add(ShellCommand.Create());
        command.Subcommands.Add(CopyCommand.Create());
        command.Subcommands.Add(LogsCommand.Create());
        command.Subcommands.Add(PortsCommand.Create());
        command.Subcommands.Add(MetricsCommand.Create());
        return command;
    }
}
