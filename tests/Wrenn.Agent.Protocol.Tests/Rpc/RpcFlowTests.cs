using System.Buffers.Binary;
using Grpc.Core;
using Wrenn.Agent.Protocol.Rpc;

namespace Wrenn.Agent.Protocol.Tests.Rpc;

/// <summary>Flow control, and a peer that breaks the protocol (the guest is hostile).</summary>
public sealed class RpcFlowTests
{
    private static readonly Method<byte[], byte[]> Flood = RpcPair.Method(MethodType.ServerStreaming, "Flood");

    private long _sent;

    [Fact]
    public async Task AWriter_WaitsForItsReader_WithinTheWindow()
    {
        await using var pair = Pair();
        using var call = pair.Invoker.AsyncServerStreamingCall(Flood, null, RpcPair.Authorized(), []);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        // The reader takes nothing more: the writer stops within its window.
        await Task.Delay(500);
        var stalled = Interlocked.Read(ref _sent);
        await Task.Delay(300);
        Assert.Equal(stalled, Interlocked.Read(ref _sent));
        Assert.InRange(stalled, RpcWindow.Bytes, RpcWindow.Bytes + (2 * 64 * 1024));

        // Reading on hands credit back, and the writer goes on.
        for (var i = 0; i < 40; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await WaitUntilAsync(() => Interlocked.Read(ref _sent) > stalled);
    }

    [Fact]
    public async Task APeerSendingBeyondItsCredit_IsCutOff()
    {
        await using var pair = Pair();
        var call = pair.Invoker.AsyncServerStreamingCall(Flood, null, RpcPair.Authorized(), []);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        // A hostile server pours messages the client never granted credit for.
        var message = new byte[RpcFrameHeader.Size + (64 * 1024)];
        new RpcFrameHeader(RpcFrameKind.Message, 1, 64 * 1024).Write(message);
        try
        {
            for (var i = 0; i < 200 && !pair.Client.IsClosed; i++)
            {
                await pair.ServerEnd.SendAsync(message);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The client hung up on it.
        }

        await WaitUntilAsync(() => pair.Client.IsClosed);
        var failed = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
    }

    [Fact]
    public async Task AFrameHeaderOutOfRange_ClosesTheConnection_WithoutAllocatingIt()
    {
        await using var pair = Pair();
        var header = new byte[RpcFrameHeader.Size];
        BinaryPrimitives.WriteInt32LittleEndian(header, int.MaxValue);
        header[8] = (byte)RpcFrameKind.Message;
        await pair.ServerEnd.SendAsync(header);

        await WaitUntilAsync(() => pair.Client.IsClosed);
        Assert.IsType<RpcProtocolException>(pair.Client.CloseReason);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "timed out");
            await Task.Delay(20);
        }
    }

    private RpcPair Pair() => new(methods => methods.AddMethod(Flood, new ServerStreamingServerMethod<byte[], byte[]>(async (_, responses, context) =>
    {
        var chunk = new byte[64 * 1024];
        while (!context.CancellationToken.IsCancellationRequested)
        {
            await responses.WriteAsync(chunk);
            Interlocked.Add(ref _sent, chunk.Length);
        }
    })));
}
