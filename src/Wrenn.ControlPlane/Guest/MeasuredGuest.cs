using Grpc.Core;
using Grpc.Core.Interceptors;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Guest;

/// <summary>
/// The guest agent's services with every call counted as capsule work of the request that makes
/// it (<see cref="CapsuleWork"/>): a unary call until its reply; a client stream's writes and its
/// wait for the reply; a server stream while the caller waits for its next message. What the
/// caller does between (reading an upload, relaying a message) is its own time. Two-way streams
/// (terminals, tunnels) live on past any one request and are not counted.
/// </summary>
internal sealed class MeasuredGuest : Interceptor
{
    private static readonly MeasuredGuest Instance = new();

    public static GuestServices Of(GuestServices guest) => new(guest.Invoker.Intercept(Instance));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var piece = CapsuleWork.Measure();
        AsyncUnaryCall<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch
        {
            piece.Dispose();
            throw;
        }

        return new AsyncUnaryCall<TResponse>(Observed(EndsAsync(call.ResponseAsync, piece)), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        var writer = new MeasuredWriter<TRequest>(call.RequestStream);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            writer, Observed(writer.ReplyAsync(call.ResponseAsync)), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(new MeasuredReader<TResponse>(call.ResponseStream), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    /// <summary>
    /// The wrapped reply, its failure marked as seen: a caller that gives up on a call (an upload
    /// refused as too large) never awaits it, as it never awaited the call's own reply.
    /// </summary>
    private static Task<TResponse> Observed<TResponse>(Task<TResponse> reply)
    {
        _ = reply.ContinueWith(static failed => _ = failed.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return reply;
    }

    private static async Task<TResponse> EndsAsync<TResponse>(Task<TResponse> response, CapsuleWork.Piece piece)
    {
        using (piece)
        {
            return await response.ConfigureAwait(false);
        }
    }

    private sealed class MeasuredReader<T>(IAsyncStreamReader<T> messages) : IAsyncStreamReader<T>
    {
        public T Current => messages.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            using var piece = CapsuleWork.Measure();
            return await messages.MoveNext(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A client stream: each write, then the wait from the stream's end to the reply, is capsule
    /// work; producing the messages (reading an upload's body) is the caller's own time.
    /// </summary>
    private sealed class MeasuredWriter<T>(IClientStreamWriter<T> messages) : IClientStreamWriter<T>
    {
        private readonly Lock _gate = new();
        private CapsuleWork.Piece? _awaitingReply;
        private bool _replied;

        public WriteOptions? WriteOptions
        {
            get => messages.WriteOptions;
            set => messages.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            using var piece = CapsuleWork.Measure();
            await messages.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }

        public Task CompleteAsync()
        {
            lock (_gate)
            {
                if (!_replied)
                {
                    _awaitingReply ??= CapsuleWork.Measure();
                }
            }

            return messages.CompleteAsync();
        }

        public async Task<TResponse> ReplyAsync<TResponse>(Task<TResponse> reply)
        {
            try
            {
                return await reply.ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _replied = true;
                    _awaitingReply?.Dispose();
                }
            }
        }
    }
}
