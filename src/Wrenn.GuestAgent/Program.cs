using System.Net.Sockets;
using Wrenn.GuestAgent;
using Wrenn.GuestAgent.Boot;
using Wrenn.GuestAgent.Transport;

// In a capsule the agent is PID 1 and takes its settings from the kernel command line. For
// development and tests it can serve a Unix socket instead.
if (args is ["--listen-unix", var socketPath])
{
    var secret = Environment.GetEnvironmentVariable("WRENN_AGENT_SECRET") ?? string.Empty;
    using var loggers = AgentRpc.CreateLoggers();
    var rpc = new AgentRpc(new AgentSettings(new UnixDomainSocketEndPoint(socketPath), secret), loggers);
    await using var link = await HostLinks.ServeAsync(new UnixDomainSocketEndPoint(socketPath), rpc, CancellationToken.None).ConfigureAwait(false);
    await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
    return 0;
}

if (args.Length != 0)
{
    await Console.Error.WriteLineAsync("usage: wrenn-agent [--listen-unix <path>]").ConfigureAwait(false);
    return 2;
}

return await CapsuleBoot.RunAsync().ConfigureAwait(false);
