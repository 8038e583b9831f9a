using System.CommandLine;
using Wrenn.Cli.Agent;
using Wrenn.Cli.Serve;
using Wrenn.Cli.Users;

var root = new RootCommand("Wrenn: secure Linux sandboxes (capsules) for AI agents")
{
    ServeCommand.Create(),
    AgentCommand.Create(),
    UserCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
