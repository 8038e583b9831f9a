using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// Makes gRPC client calls (the generated clients of agent.proto, interceptors, the host's relay)
/// over Wrenn's agent RPC: each call starts on the connection <paramref name="connect"/> gives.
/// </summary>
public sealed class RpcCallInvoker(Func<CancellationToken, ValueTask<RpcClientConnection>> connect, TimeProvider time) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new RpcClientCall<TRequest, TResponse>(connect, time, method, options, hasRequest: true, request);
        return new AsyncUnaryCall<TResponse>(call.ResponseAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new RpcClientCall<TRequest, TResponse>(connect, time, method, options, hasRequest: true, request);
        return new AsyncServerStreamingCall<TResponse>(call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new RpcClientCall<TRequest, TResponse>(connect, time, method, options, hasRequest: false, default!);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.ResponseAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new RpcClientCall<TRequest, TResponse>(connect, time, method, options, hasRequest: false, default!);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }
}
