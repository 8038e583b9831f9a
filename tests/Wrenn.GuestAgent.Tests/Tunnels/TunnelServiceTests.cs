using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tests.Tunnels;

public sealed class TunnelServiceTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>
{
    private Tunnel.TunnelClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Connect_CarriesBytesBothWays_AndHalfCloses()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var received = new MemoryStream();
            await stream.CopyToAsync(received);
            var reply = received.ToArray().Reverse().ToArray();
            await stream.WriteAsync(reply);
        });

        using var call = Client.Connect(AgentServer.Authorized());
        await call.RequestStream.WriteAsync(new TunnelFrame { Port = (uint)port, Data = ByteString.CopyFromUtf8("abc") });
        await call.RequestStream.WriteAsync(new TunnelFrame { Data = ByteString.CopyFromUtf8("def"), Eof = true });
        var received = new List<byte>();
        await foreach (var frame in call.ResponseStream.ReadAllAsync())
        {
            received.AddRange(frame.Data);
        }

        await server;
        Assert.Equal("fedcba", System.Text.Encoding.ASCII.GetString([.. received]));
    }

    [Fact]
    public async Task Connect_ClosedPort_IsPortUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var call = Client.Connect(AgentServer.Authorized());
        await call.RequestStream.WriteAsync(new TunnelFrame { Port = (uint)port });
        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(AgentErrorCode.PortUnreachable, AgentErrors.CodeOf(failure));
    }
}
