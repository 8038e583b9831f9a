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

        return command;
    }
}
