using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Wrenn.HostAgent.Guest;

/// <summary>Reports every failed agent call to its <see cref="GuestAgentClient"/>, which tells link failures from the rest.</summary>
internal sealed class LinkFailureInterceptor(GuestAgentClient client) : Interceptor
{
    private GuestAgentClient Client { get; } = client;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(Observe(call.ResponseAsync, context), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            call.RequestStream, Observe(call.ResponseAsync, context), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(
            new ObservedReader<TRequest, TResponse>(call.ResponseStream, this, context), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream, new ObservedReader<TRequest, TResponse>(call.ResponseStream, this, context), call.ResponseHeadersAsync, call.GetStatus,
            call.GetTrailers, call.Dispose);
    }

    private async Task<TResponse> Observe<TRequest, TResponse>(Task<TResponse> response, ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            Client.OnCallFailed(context.Method.FullName, exception, context.Options);
            throw;
        }
    }

    private sealed class ObservedReader<TRequest, TResponse>(
        IAsyncStreamReader<TResponse> inner, LinkFailureInterceptor owner, ClientInterceptorContext<TRequest, TResponse> context) : IAsyncStreamReader<TResponse>
        where TRequest : class
        where TResponse : class
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
                owner.Client.OnCallFailed(context.Method.FullName, exception, context.Options);
                throw;
            }
        }
    }
}
