using System.Collections.Concurrent;
using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// The client's end of one connection over a byte stream: calls are opened on odd stream numbers,
/// one task reads every frame, and while calls are open the server is pinged every
/// <see cref="PingInterval"/>; a server silent for <see cref="PingTimeout"/> (frozen, or wedged)
/// ends the connection, failing its calls with <see cref="StatusCode.Unavailable"/>.
/// </summary>
public sealed class RpcClientConnection : RpcPeer, IAsyncDisposable
{
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(15);

    // Generous: an emulated guest busy on its only vCPU can leave a ping unanswered for tens of seconds.
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(45);

    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<uint, RpcClientStream> _calls = new();
    private readonly Task _reading;
    private readonly Task _pinging;
    private int _lastStream = -1;
    private long _pingSentAt;

    public RpcClientConnection(Stream stream, TimeProvider time)
        : base(new StreamOutput(stream))
    {
        _stream = stream;
        _time = time;
        _reading = Task.Run(ReadAsync);
        _pinging = Task.Run(PingAsync);
    }

    public override void OnFrame(RpcFrameHeader header, ReadOnlySpan<byte> payload, byte[]? owned)
    {
        // Anything from the server shows it is alive.
        Interlocked.Exchange(ref _pingSentAt, 0);
        if (header.Stream == 0)
        {
            ThrowIfViolation(header.Kind == RpcFrameKind.Pong, "only pongs come back on stream 0");
            return;
        }

        // Frames of a call that ended here (cancelled, say) may still arrive: dropped.
        if (!_calls.TryGetValue(header.Stream, out var call) || TakeFlowFrame(header, payload, owned, call.Inbox, call.Credit))
        {
            return;
        }

        ThrowIfViolation(header.Kind == RpcFrameKind.Status, $"a {header.Kind} frame sent to the client");
        var ending = RpcStatus.Parser.ParseFrom(payload);
        call.End(new Status((StatusCode)ending.Code, ending.Detail), RpcMessages.ToMetadata(ending.Trailers));
    }

    public async ValueTask DisposeAsync()
    {
        Close(new IOException("the connection was closed"));
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _reading.ConfigureAwait(false);
        await _pinging.ConfigureAwait(false);
    }

    /// <summary>Opens a call; <paramref name="request"/> (unary and server-streaming calls) goes out with it, half-closing.</summary>
    internal async Task<RpcClientStream> OpenAsync(string method, Metadata? headers, Action<RpcFrames, uint>? request, CancellationToken cancellationToken)
    {
        var id = (uint)Interlocked.Add(ref _lastStream, 2);
        var call = new RpcClientStream(this, id);
        _calls[id] = call;
        var opening = new RpcCall { Method = method };
        RpcMessages.CopyTo(headers, opening.Headers);
        using var frames = new RpcFrames().Add(RpcFrameKind.Call, id, opening);
        if (request is not null)
        {
            var before = frames.Written.Length;
            request(frames, id);
            // A fresh call has its whole window: this never waits.
            await call.Credit.SpendAsync(frames.Written.Length - before - RpcFrameHeader.Size, cancellationToken).ConfigureAwait(false);
            frames.Add(RpcFrameKind.HalfClose, id, []);
        }

        try
        {
            await SendAsync(frames, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            call.End(Unavailable(exception), []);
        }

        return call;
    }

    /// <summary>The client gave up on <paramref name="call"/>: the server is told, and the call ends here at once.</summary>
    internal void Cancel(RpcClientStream call, Status status)
    {
        if (call.End(status, []))
        {
            Post(new RpcFrames().Add(RpcFrameKind.Cancel, call.Id, []));
        }
    }

    internal void Forget(RpcClientStream call) => _calls.TryRemove(new KeyValuePair<uint, RpcClientStream>(call.Id, call));

    internal static Status Unavailable(Exception cause) => new(StatusCode.Unavailable, "the agent link closed", cause);

    protected override void OnClosed(Exception reason)
    {
        foreach (var call in _calls.Values)
        {
            call.End(Unavailable(reason), []);
        }

        // Wakes the reader if it waits on the stream.
        _stream.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!IsClosed)
            {
                var read = await _stream.ReadAsync(buffer, Closed).ConfigureAwait(false);
                if (read == 0)
                {
                    Close(new IOException("the agent closed the link"));
                    return;
                }

                Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            Close(exception);
        }
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(PingInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(Closed).ConfigureAwait(false))
            {
                if (_calls.IsEmpty)
                {
                    continue;
                }

                var sentAt = Interlocked.Read(ref _pingSentAt);
                if (sentAt == 0)
                {
                    Interlocked.Exchange(ref _pingSentAt, _time.GetTimestamp());
                    Post(new RpcFrames().Add(RpcFrameKind.Ping, 0, []));
                }
                else if (_time.GetElapsedTime(sentAt) >= PingTimeout)
                {
                    Close(new IOException($"the agent did not answer a ping for {PingTimeout.TotalSeconds:0} s"));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    private sealed class StreamOutput(Stream stream) : IRpcOutput
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(frames, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
