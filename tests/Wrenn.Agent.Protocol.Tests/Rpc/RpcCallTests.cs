using Grpc.Core;

namespace Wrenn.Agent.Protocol.Tests.Rpc;

/// <summary>Calls of each kind over the agent RPC, their statuses, trailers, cancellation and deadlines.</summary>
public sealed class RpcCallTests
{
    private static readonly Method<byte[], byte[]> Echo = RpcPair.Method(MethodType.Unary, "Echo");
    private static readonly Method<byte[], byte[]> Count = RpcPair.Method(MethodType.ServerStreaming, "Count");
    private static readonly Method<byte[], byte[]> Sum = RpcPair.Method(MethodType.ClientStreaming, "Sum");
    private static readonly Method<byte[], byte[]> Mirror = RpcPair.Method(MethodType.DuplexStreaming, "Mirror");
    private static readonly Method<byte[], byte[]> Refuse = RpcPair.Method(MethodType.Unary, "Refuse");
    private static readonly Method<byte[], byte[]> Hang = RpcPair.Method(MethodType.Unary, "Hang");

    private readonly TaskCompletionSource<CancellationToken> _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task EachKindOfCall_CarriesItsMessages()
    {
        await using var pair = Pair();

        Assert.Equal([1, 2, 3], await pair.Invoker.AsyncUnaryCall(Echo, null, RpcPair.Authorized(), [1, 2, 3]));

        using var counting = pair.Invoker.AsyncServerStreamingCall(Count, null, RpcPair.Authorized(), [5]);
        var counted = new List<byte>();
        while (await counting.ResponseStream.MoveNext(CancellationToken.None))
        {
            counted.Add(counting.ResponseStream.Current[0]);
        }

        Assert.Equal([0, 1, 2, 3, 4], counted);

        using var summing = pair.Invoker.AsyncClientStreamingCall(Sum, null, RpcPair.Authorized());
        foreach (var value in new byte[] { 10, 20, 30 })
        {
            await summing.RequestStream.WriteAsync([value]);
        }

        await summing.RequestStream.CompleteAsync();
        Assert.Equal([60], await summing.ResponseAsync);

        using var mirroring = pair.Invoker.AsyncDuplexStreamingCall(Mirror, null, RpcPair.Authorized());
        await mirroring.RequestStream.WriteAsync([7]);
        Assert.True(await mirroring.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal([7], mirroring.ResponseStream.Current);
        await mirroring.RequestStream.CompleteAsync();
        Assert.False(await mirroring.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, mirroring.GetStatus().StatusCode);
    }

    [Fact]
    public async Task AFailedCall_BringsItsStatusAndTrailers_AndAnUnauthorizedOneNeverRuns()
    {
        await using var pair = Pair();

        var refused = await Assert.ThrowsAsync<RpcException>(() => pair.Invoker.AsyncUnaryCall(Refuse, null, RpcPair.Authorized(), []).ResponseAsync);
        Assert.Equal(AgentErrorCode.NotFound, AgentErrors.CodeOf(refused));

        var stranger = await Assert.ThrowsAsync<RpcException>(() => pair.Invoker.AsyncUnaryCall(Hang, null, new CallOptions(), []).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, stranger.StatusCode);
        Assert.False(_hanging.Task.IsCompleted);

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            pair.Invoker.AsyncUnaryCall(RpcPair.Method(MethodType.Unary, "Nothing"), null, RpcPair.Authorized(), []).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, missing.StatusCode);
    }

    [Fact]
    public async Task CancellingACall_CancelsItOnTheServer_AndADeadlineEndsIt()
    {
        await using var pair = Pair();
        using var cancel = new CancellationTokenSource();
        var call = pair.Invoker.AsyncUnaryCall(Hang, null, RpcPair.Authorized(cancellationToken: cancel.Token), []);
        var serverToken = await _hanging.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        var cancelled = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);
        await Task.Delay(Timeout.InfiniteTimeSpan, serverToken).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));

        var expired = await Assert.ThrowsAsync<RpcException>(() =>
            pair.Invoker.AsyncUnaryCall(Hang, null, RpcPair.Authorized(deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddMilliseconds(200)), []).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, expired.StatusCode);
    }

    [Fact]
    public async Task TheLinkEnding_FailsTheCallsInFlight_AsUnavailable()
    {
        await using var pair = Pair();
        var call = pair.Invoker.AsyncUnaryCall(Hang, null, RpcPair.Authorized(), []);
        await _hanging.Task.WaitAsync(TimeSpan.FromSeconds(10));
        pair.ServerEnd.Shutdown(System.Net.Sockets.SocketShutdown.Both);

        var failed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
    }

    private RpcPair Pair() => new(methods =>
    {
        methods.AddMethod(Echo, new UnaryServerMethod<byte[], byte[]>((request, _) => Task.FromResult(request)));
        methods.AddMethod(Count, async (request, responses, _) =>
        {
            for (byte i = 0; i < request[0]; i++)
            {
                await responses.WriteAsync([i]);
            }
        });
        methods.AddMethod(Sum, new ClientStreamingServerMethod<byte[], byte[]>(async (requests, _) =>
        {
            var sum = 0;
            while (await requests.MoveNext(CancellationToken.None))
            {
                sum += requests.Current[0];
            }

            return [(byte)sum];
        }));
        methods.AddMethod(Mirror, async (requests, responses, _) =>
        {
            while (await requests.MoveNext(CancellationToken.None))
            {
                await responses.WriteAsync(requests.Current);
            }
        });
        methods.AddMethod(Refuse, new UnaryServerMethod<byte[], byte[]>((_, _) => throw AgentErrors.Exception(AgentErrorCode.NotFound, "nothing there")));
        methods.AddMethod(Hang, new UnaryServerMethod<byte[], byte[]>(async (_, context) =>
        {
            _hanging.TrySetResult(context.CancellationToken);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return [];
        }));
    });
}
