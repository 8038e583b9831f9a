using System.Net.Sockets;
using Wrenn.GuestAgent;
using Wrenn.GuestAgent.Boot;

// In a capsule the agent is PID 1 and takes its settings from the kernel command line. For
// development and tests it can serve a Unix socket instead.
if (args is ["--listen-unix", var socketPath])
{
    File.Delete(socketPath);
    var secret = Environment.GetEnvironmentVariable("WRENN_AGENT_SECRET") ?? string.Empty;
    await using var app = AgentApp.Build(new AgentSettings(new UnixDomainSocketEndPoint(socketPath), secret));
    await app.RunAsync().ConfigureAwait(false);
    return 0;
}

if (args.Length != 0)
{
    await Console.Error.WriteLineAsync("usage: wrenn-agent [--listen-unix <path>]").ConfigureAwait(false);
    return 2;
}

return await CapsuleBoot.RunAsync().ConfigureAwait(false);
