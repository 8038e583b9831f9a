using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// One call as its caller holds it: started on whichever connection the invoker hands out, ended
/// by the server's Status, the caller's cancellation or deadline, the link's end, or Dispose.
/// </summary>
internal sealed class RpcClientCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>, IDisposable
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationToken _cancellation;
    private readonly Task<RpcClientStream> _started;
    private CancellationTokenRegistration _cancelling;
    private CancellationTokenRegistration _expiring;
    private Status? _startFailure;

    public RpcClientCall(Func<CancellationToken, ValueTask<RpcClientConnection>> connect, TimeProvider time, Method<TRequest, TResponse> method, CallOptions options,
        bool hasRequest, TRequest request)
    {
        _method = method;
        _cancellation = options.CancellationToken;
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var left = deadline.ToUniversalTime() - time.GetUtcNow().UtcDateTime;
            _deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
        }

        _started = StartAsync(connect, options.Headers, hasRequest ? (frames, id) => RpcMessages.Add(frames, id, request, method.RequestMarshaller) : null);
        ResponseHeadersAsync = _started.ContinueWith(static _ => new Metadata(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    public Task<Metadata> ResponseHeadersAsync { get; }

    public TResponse Current { get; private set; } = default!;

    public WriteOptions? WriteOptions { get; set; }

    /// <summary>The one response of a unary or client-streaming call.</summary>
    public async Task<TResponse> ResponseAsync()
    {
        var call = await _started.ConfigureAwait(false);
        var payload = await call.Inbox.TakeAsync(CancellationToken.None).ConfigureAwait(false);
        var (status, trailers) = await call.Ended.ConfigureAwait(false);
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, trailers);
        }

        return payload is null
            ? throw new RpcException(new Status(StatusCode.Internal, "the call ended without a response"))
            : RpcMessages.Read(payload, _method.ResponseMarshaller);
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var call = await _started.ConfigureAwait(false);
        var payload = await call.Inbox.TakeAsync(cancellationToken).ConfigureAwait(false);
        if (payload is not null)
        {
            Current = RpcMessages.Read(payload, _method.ResponseMarshaller);
            return true;
        }

        var (status, trailers) = await call.Ended.ConfigureAwait(false);
        return status.StatusCode == StatusCode.OK ? false : throw new RpcException(status, trailers);
    }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        var call = await _started.ConfigureAwait(false);
        using var either = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancellation) : null;
        using var frame = RpcMessages.Frame(call.Id, message, _method.RequestMarshaller);
        await call.Credit.SpendAsync(RpcMessages.SizeOf(frame), either?.Token ?? _cancellation).ConfigureAwait(false);
        await SendAsync(call, frame).ConfigureAwait(false);
    }

    public async Task CompleteAsync()
    {
        var call = await _started.ConfigureAwait(false);
        if (!call.HasEnded)
        {
            using var frame = new RpcFrames().Add(RpcFrameKind.HalfClose, call.Id, []);
            await SendAsync(call, frame).ConfigureAwait(false);
        }
    }

    public Status GetStatus() => _startFailure
        ?? (_started.IsCompletedSuccessfully && _started.Result.Ended.IsCompleted
            ? _started.Result.Ended.Result.Status
            : throw new InvalidOperationException("the call is still in progress"));

    public Metadata GetTrailers() =>
        _started.IsCompletedSuccessfully && _started.Result.Ended.IsCompleted
            ? _started.Result.Ended.Result.Trailers
            : _startFailure is not null ? [] : throw new InvalidOperationException("the call is still in progress");

    public void Dispose()
    {
        _cancelling.Dispose();
        _expiring.Dispose();
        if (_started.IsCompletedSuccessfully && !_started.Result.HasEnded)
        {
            _started.Result.Connection.Cancel(_started.Result, new Status(StatusCode.Cancelled, "the call was disposed"));
        }

        _deadline?.Dispose();
    }

    private async Task<RpcClientStream> StartAsync(Func<CancellationToken, ValueTask<RpcClientConnection>> connect, Metadata? headers, Action<RpcFrames, uint>? request)
    {
        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_cancellation, _deadline?.Token ?? CancellationToken.None);
            var connection = await connect(either.Token).ConfigureAwait(false);
            var call = await connection.OpenAsync(_method.FullName, headers, request, either.Token).ConfigureAwait(false);
            _cancelling = _cancellation.UnsafeRegister(static state =>
            {
                var call = (RpcClientStream)state!;
                call.Connection.Cancel(call, new Status(StatusCode.Cancelled, "the caller cancelled the call"));
            }, call);
            if (_deadline is not null)
            {
                _expiring = _deadline.Token.UnsafeRegister(static state =>
                {
                    var call = (RpcClientStream)state!;
                    call.Connection.Cancel(call, new Status(StatusCode.DeadlineExceeded, "the call's deadline passed"));
                }, call);
            }

            return call;
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested || _deadline?.IsCancellationRequested == true)
        {
            _startFailure = _cancellation.IsCancellationRequested
                ? new Status(StatusCode.Cancelled, "the caller cancelled the call")
                : new Status(StatusCode.DeadlineExceeded, "the call's deadline passed");
        }
        catch (RpcException exception)
        {
            _startFailure = exception.Status;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _startFailure = RpcClientConnection.Unavailable(exception);
        }

        throw new RpcException(_startFailure.Value);
    }

    private static async Task SendAsync(RpcClientStream call, RpcFrames frames)
    {
        try
        {
            await call.Connection.SendAsync(frames).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            call.End(RpcClientConnection.Unavailable(exception), []);
            var (status, trailers) = await call.Ended.ConfigureAwait(false);
            throw new RpcException(status, trailers);
        }
    }
}
