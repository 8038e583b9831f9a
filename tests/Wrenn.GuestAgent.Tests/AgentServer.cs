using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Wrenn.GuestAgent.Transport;

namespace Wrenn.GuestAgent.Tests;

/// <summary>
/// The agent's full service set running in this test process on a fresh Unix socket, and a client
/// connection to it; calls present the secret the test gives them. Its file lane listens on an
/// ephemeral loopback port.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly IAsyncDisposable _listener;
    private readonly AgentRpc _rpc;
    private readonly AgentConnection _connection;
    private readonly ILoggerFactory _loggers;
    private readonly string _directory;

    private AgentServer(IAsyncDisposable listener, AgentRpc rpc, AgentConnection connection, ILoggerFactory loggers, string directory)
    {
        _listener = listener;
        _rpc = rpc;
        _connection = connection;
        _loggers = loggers;
        _directory = directory;
    }

    public CallInvoker Invoker => _connection.Invoker;

    /// <summary>Where the agent's file lane listens.</summary>
    public IPEndPoint FileLane => _rpc.FileLaneEndPoint!;

    /// <summary>Call options that carry the current secret.</summary>
    public static CallOptions Authorized(CancellationToken cancellationToken = default) =>
        new(new Metadata { { "authorization", "Bearer " + Secret } }, cancellationToken: cancellationToken);

    public static async Task<AgentServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-agent-test-").FullName;
        var socket = new UnixDomainSocketEndPoint(Path.Combine(directory, "agent.sock"));
        var loggers = AgentRpc.CreateLoggers();
        var rpc = new AgentRpc(new AgentSettings(socket, Secret, FileLane: new IPEndPoint(IPAddress.Loopback, 0)), loggers);
        var listener = await HostLinks.ServeAsync(socket, rpc, CancellationToken.None);
        var connection = new AgentConnection(async cancellationToken =>
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(socket, cancellationToken);
            return new NetworkStream(client, ownsSocket: true);
        });
        return new AgentServer(listener, rpc, connection, loggers, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _listener.DisposeAsync();
        _rpc.Dispose();
        _loggers.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
