using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.GuestAgent.Tests.Files;

/// <summary>The guest's half of the file lane (docs/file-lane.md), driven the way a host drives it.</summary>
public sealed class FileLaneTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-lane-").FullName;

    private Agent.Protocol.Files.FilesClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Read_OfALargeFile_TakesTheLane_AndSendsExactlyTheFile()
    {
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var path = Path.Combine(_root, "large.bin");
        await File.WriteAllBytesAsync(path, content);
        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);

        using var call = Client.Read(new ReadRequest { Path = path, LaneTicket = ByteString.CopyFrom(ticket) }, AgentServer.Authorized());
        Assert.True(await call.ResponseStream.MoveNext());
        var first = call.ResponseStream.Current;
        using var lane = await OpenLaneAsync(ticket);
        var received = await ReadToEndAsync(lane);

        Assert.True(first.OnLane);
        Assert.Equal(content.Length, first.Size);
        Assert.True(first.Data.IsEmpty);
        Assert.Equal(content, received);
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Read_OfASmallFile_StaysOnTheLink()
    {
        var path = Path.Combine(_root, "small.txt");
        await File.WriteAllTextAsync(path, "small");

        using var call = Client.Read(new ReadRequest { Path = path, LaneTicket = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(FileLane.TicketBytes)) },
            AgentServer.Authorized());
        var chunks = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.False(chunks[0].OnLane);
        Assert.Equal("small", string.Concat(chunks.Select(chunk => chunk.Data.ToStringUtf8())));
    }

    [Fact]
    public async Task Write_SwitchedToTheLane_KeepsTheLinkBytesAndTheLaneBytes_InOrder()
    {
        var head = RandomNumberGenerator.GetBytes(300_000);
        var tail = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var path = Path.Combine(_root, "uploaded.bin");
        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);

        using var call = Client.Write(AgentServer.Authorized());
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = head.Length + tail.Length } });
        await call.RequestStream.WriteAsync(new WriteChunk { Data = ByteString.CopyFrom(head) });
        await call.RequestStream.WriteAsync(new WriteChunk { LaneTicket = ByteString.CopyFrom(ticket) });
        using (var lane = await OpenLaneAsync(ticket))
        {
            await lane.WriteAsync(tail);
            lane.Socket.Shutdown(SocketShutdown.Send);
            await call.RequestStream.CompleteAsync();
            var entry = await call.ResponseAsync;
            Assert.Equal(head.Length + tail.Length, entry.Size);
        }

        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(head.Concat(tail), written);
        Assert.Single(Directory.GetFiles(_root));
    }

    [Fact]
    public async Task Write_WhoseCallIsAbandoned_AfterItsLaneEnded_LeavesTheTargetUnchanged()
    {
        var path = Path.Combine(_root, "kept.bin");
        await File.WriteAllTextAsync(path, "original");
        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);
        using var cancel = new CancellationTokenSource();

        using var call = Client.Write(AgentServer.Authorized(cancel.Token));
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = -1 } });
        await call.RequestStream.WriteAsync(new WriteChunk { LaneTicket = ByteString.CopyFrom(ticket) });
        using (var lane = await OpenLaneAsync(ticket))
        {
            // The whole lane arrives, but the call never completes normally: nothing is committed.
            await lane.WriteAsync(RandomNumberGenerator.GetBytes(1024 * 1024));
            lane.Socket.Shutdown(SocketShutdown.Send);
            // The guest closes the lane once it has taken all of it.
            Assert.Empty(await ReadToEndAsync(lane));
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
        await WaitUntilAsync(() => Directory.GetFiles(_root).Length == 1);

        Assert.Equal("original", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Write_WithAMessageAfterTheLaneTicket_IsRefused()
    {
        var path = Path.Combine(_root, "refused.bin");
        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);

        using var call = Client.Write(AgentServer.Authorized());
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = -1 } });
        await call.RequestStream.WriteAsync(new WriteChunk { LaneTicket = ByteString.CopyFrom(ticket) });
        using var lane = await OpenLaneAsync(ticket);
        lane.Socket.Shutdown(SocketShutdown.Send);
        await call.RequestStream.WriteAsync(new WriteChunk { Data = ByteString.CopyFromUtf8("late") });
        await call.RequestStream.CompleteAsync();

        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(AgentErrorCode.InvalidArgument, AgentErrors.CodeOf(failure));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task ALaneConnection_WithAnUnknownTicket_GetsNoCallsBytes()
    {
        var content = RandomNumberGenerator.GetBytes(1024 * 1024);
        var path = Path.Combine(_root, "secret.bin");
        await File.WriteAllBytesAsync(path, content);
        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);

        using var call = Client.Read(new ReadRequest { Path = path, LaneTicket = ByteString.CopyFrom(ticket) }, AgentServer.Authorized());
        Assert.True(await call.ResponseStream.MoveNext());
        using var stranger = await OpenLaneAsync(RandomNumberGenerator.GetBytes(FileLane.TicketBytes));
        using var owner = await OpenLaneAsync(ticket);

        Assert.Equal(content, await ReadToEndAsync(owner));
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var read = stranger.ReadAsync(new byte[1], quiet.Token).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<NetworkStream> OpenLaneAsync(byte[] ticket)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(agent.Server.FileLane);
        var stream = new NetworkStream(socket, ownsSocket: true);
        var greeting = new byte[1];
        await stream.ReadExactlyAsync(greeting);
        Assert.Equal(FileLane.Greeting, greeting[0]);
        await stream.WriteAsync(ticket);
        return stream;
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var content = new MemoryStream();
        await stream.CopyToAsync(content);
        return content.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(50);
        }
    }
}
