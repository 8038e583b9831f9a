using System.CommandLine;
using Wrenn.Cli;
using Wrenn.Cli.Capsules;
using Wrenn.Cli.Completion;
using Wrenn.Cli.Hosts;
using Wrenn.Cli.Keys;
using Wrenn.Cli.Login;
using Wrenn.Cli.Server;
using Wrenn.Cli.Templates;

if (ServerHandOff.Handles(args))
{
    return ServerHandOff.Run(args);
}

var root = new RootCommand("""
    Wrenn: secure Linux sandboxes (capsules) for AI agents.
    Server commands: `wrenn serve`, `wrenn agent`, `wrenn user` (each with --help).
    """)
{
    CapsuleCommand.Create(),
    TemplateCommand.Create(),
    KeyCommand.Create(),
    HostCommand.Create(),
    CompletionCommand.Create(),
};
foreach (var command in LoginCommand.Create())
{
    root.Subcommands.Add(command);
}

root.Options.Add(Actions.Json);
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
{
    // Usage errors exit 2 (as getopt tools do) with the problem and where help is, not a page of help.
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("wrenn: " + error.Message);
    }

    var path = new List<string>();
    for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
    {
        path.Insert(0, command.Command.Name);
    }

    Console.Error.WriteLine($"Run `{string.Join(' ', path)} --help` for usage.");
    return ExitCodes.Usage;
}

return await parse.InvokeAsync().ConfigureAwait(false);
