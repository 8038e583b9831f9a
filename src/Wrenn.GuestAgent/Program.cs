using System.Net.Sockets;
using Wrenn.GuestAgent;

// Development entry point: serve on a Unix socket. The capsule entry (PID 1 over virtio-serial or
// vsock) is added by the transport.
var socketPath = args.Length == 2 && args[0] == "--listen-unix" ? args[1] : null;
if (socketPath is null)
{
    await Console.Error.WriteLineAsync("usage: wrenn-agent --listen-unix <path>").ConfigureAwait(false);
    return 2;
}

File.Delete(socketPath);
var secret = Environment.GetEnvironmentVariable("WRENN_AGENT_SECRET") ?? string.Empty;
await using var app = AgentApp.Build(new AgentSettings(new UnixDomainSocketEndPoint(socketPath), secret));
await app.RunAsync().ConfigureAwait(false);
return 0;
