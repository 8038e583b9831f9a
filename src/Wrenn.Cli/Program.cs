using System.CommandLine;
using Wrenn.Cli.Serve;

var root = new RootCommand("Wrenn: secure Linux sandboxes (capsules) for AI agents")
{
    ServeCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
