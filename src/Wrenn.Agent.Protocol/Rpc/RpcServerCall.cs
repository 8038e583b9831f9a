using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// One call on the server: its context as the service sees it, its received messages and its send
/// credit. Cancelled when the client cancels or the connection ends.
/// </summary>
public sealed class RpcServerCall : ServerCallContext, IDisposable
{
    private readonly RpcServerConnection _connection;
    private readonly uint _stream;
    private readonly CancellationTokenSource _cancelled;
    private volatile bool _abandoned;

    internal RpcServerCall(RpcServerConnection connection, uint stream, string method, Metadata headers)
    {
        _connection = connection;
        _stream = stream;
        MethodCore = method;
        RequestHeadersCore = headers;
        _cancelled = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed);
        Inbox = new RpcInbox(bytes => connection.Post(new RpcFrames().AddCredit(stream, bytes)));
    }

    internal uint Stream => _stream;

    internal RpcInbox Inbox { get; }

    internal RpcCredit Credit { get; } = new();

    /// <summary>The client cancelled: nobody reads what the call would still send.</summary>
    internal bool Abandoned => _abandoned;

    protected override string MethodCore { get; }

    protected override string HostCore => "capsule-agent";

    protected override string PeerCore => "host";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; }

    protected override CancellationToken CancellationTokenCore => _cancelled.Token;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; } = Status.DefaultSuccess;

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => throw new NotSupportedException("the agent RPC has no transport authentication; calls carry the capsule's secret");

    public void Dispose() => _cancelled.Dispose();

    internal void Abandon()
    {
        _abandoned = true;
        End(new OperationCanceledException("the client cancelled the call"));
    }

    internal void End(Exception reason)
    {
        Inbox.Complete(reason);
        Credit.Fail(reason);
        try
        {
            _cancelled.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call finished meanwhile.
        }
    }

    internal async Task<T> ReadRequestAsync<T>(Marshaller<T> marshaller)
    {
        var payload = await Inbox.TakeAsync(CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "the call carried no request"));
        return RpcMessages.Read(payload, marshaller);
    }

    internal async Task WriteAsync<T>(T message, Marshaller<T> marshaller, CancellationToken cancellationToken = default)
    {
        using var either = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CancellationToken) : null;
        var token = either?.Token ?? CancellationToken;
        using var frame = RpcMessages.Frame(_stream, message, marshaller);
        await Credit.SpendAsync(RpcMessages.SizeOf(frame), token).ConfigureAwait(false);
        await _connection.SendAsync(frame, token).ConfigureAwait(false);
    }

    internal IAsyncStreamReader<T> Reader<T>(Marshaller<T> marshaller) => new MessageReader<T>(this, marshaller);

    internal IServerStreamWriter<T> Writer<T>(Marshaller<T> marshaller) => new MessageWriter<T>(this, marshaller);

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("the agent makes no outgoing calls");

    private sealed class MessageReader<T>(RpcServerCall call, Marshaller<T> marshaller) : IAsyncStreamReader<T>
    {
        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            byte[]? payload;
            if (cancellationToken.CanBeCanceled)
            {
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CancellationToken);
                payload = await call.Inbox.TakeAsync(both.Token).ConfigureAwait(false);
            }
            else
            {
                payload = await call.Inbox.TakeAsync(call.CancellationToken).ConfigureAwait(false);
            }

            if (payload is null)
            {
                return false;
            }

            Current = RpcMessages.Read(payload, marshaller);
            return true;
        }
    }

    private sealed class MessageWriter<T>(RpcServerCall call, Marshaller<T> marshaller) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => call.WriteAsync(message, marshaller);

        public Task WriteAsync(T message, CancellationToken cancellationToken) => call.WriteAsync(message, marshaller, cancellationToken);
    }
}
