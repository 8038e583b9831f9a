using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// Reports every failed agent call to its <see cref="GuestAgentClient"/>, which tells link failures
/// from the rest. A call its owner disposed (abandoned on purpose) is not reported.
/// </summary>
internal sealed class LinkFailureInterceptor(GuestAgentClient client) : Interceptor
{
    private GuestAgentClient Client { get; } = client;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var watched = new Watched(this, context.Method.FullName, context.Options, call.Dispose);
        return new AsyncUnaryCall<TResponse>(watched.Observe(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, watched.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        var watched = new Watched(this, context.Method.FullName, context.Options, call.Dispose);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            call.RequestStream, watched.Observe(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, watched.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var watched = new Watched(this, context.Method.FullName, context.Options, call.Dispose);
        return new AsyncServerStreamingCall<TResponse>(
            new ObservedReader<TResponse>(call.ResponseStream, watched), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, watched.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        var watched = new Watched(this, context.Method.FullName, context.Options, call.Dispose);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream, new ObservedReader<TResponse>(call.ResponseStream, watched), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers,
            watched.Dispose);
    }

    /// <summary>One call: reports its failure unless its owner disposed it first.</summary>
    private sealed class Watched(LinkFailureInterceptor owner, string method, CallOptions options, Action dispose)
    {
        private volatile bool _disposed;

        public void Dispose()
        {
            _disposed = true;
            dispose();
        }

        public async Task<T> Observe<T>(Task<T> response)
        {
            try
            {
                return await response.ConfigureAwait(false);
            }
            catch (RpcException exception)
            {
                Report(exception);
                throw;
            }
        }

        public void Report(RpcException exception)
        {
            if (!_disposed)
            {
                owner.Client.OnCallFailed(method, exception, options);
            }
        }
    }

    private sealed class ObservedReader<TResponse>(IAsyncStreamReader<TResponse> inner, Watched watched) : IAsyncStreamReader<TResponse>
    {
        public TResponse Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
            {
                watched.Report(exception);
                throw;
            }
        }
    }
}
