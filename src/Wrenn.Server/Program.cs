using System.CommandLine;
using Wrenn.Server.Agent;
using Wrenn.Server.Serve;
using Wrenn.Server.Users;

var root = new RootCommand("Wrenn: secure Linux sandboxes (capsules) for AI agents")
{
    ServeCommand.Create(),
    AgentCommand.Create(),
    UserCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
