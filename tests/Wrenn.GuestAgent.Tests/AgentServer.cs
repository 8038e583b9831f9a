using Microsoft.AspNetCore.Builder;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace Wrenn.GuestAgent.Tests;

/// <summary>
/// The agent's full service set running in this test process on a fresh Unix socket, and a gRPC
/// channel to it that presents the right secret.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly WebApplication _app;
    private readonly string _directory;

    private AgentServer(WebApplication app, string directory, GrpcChannel channel)
    {
        _app = app;
        _directory = directory;
        Channel = channel;
    }

    public GrpcChannel Channel { get; }

    /// <summary>Call options that carry the current secret.</summary>
    public static CallOptions Authorized(CancellationToken cancellationToken = default) =>
        new(new Metadata { { "authorization", "Bearer " + Secret } }, cancellationToken: cancellationToken);

    public static async Task<AgentServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-agent-test-").FullName;
        var socketPath = Path.Combine(directory, "agent.sock");
        var app = AgentApp.Build(new AgentSettings(new UnixDomainSocketEndPoint(socketPath), Secret));
        await app.StartAsync();
        return new AgentServer(app, directory, ChannelTo(socketPath));
    }

    public static GrpcChannel ChannelTo(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return GrpcChannel.ForAddress("http://agent", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null });
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
