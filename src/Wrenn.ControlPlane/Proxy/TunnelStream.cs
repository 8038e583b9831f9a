using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// A byte stream to a guest TCP port over the guest agent's Tunnel call: the first frame names the
/// port, data flows both ways in frames of at most 64 KiB, and the guest's <c>eof</c> frame ends
/// reading. gRPC flow control gives back-pressure both ways.
/// </summary>
internal sealed class TunnelStream : Stream
{
    private const int FrameBytes = 64 * 1024;
    private readonly AsyncDuplexStreamingCall<TunnelFrame, TunnelFrame> _call;
    private readonly CancellationTokenSource _lifetime;
    private ReadOnlyMemory<byte> _pending;
    private bool _ended;

    private TunnelStream(AsyncDuplexStreamingCall<TunnelFrame, TunnelFrame> call, CancellationTokenSource lifetime)
    {
        _call = call;
        _lifetime = lifetime;
    }

    /// <summary>Opens a tunnel to <paramref name="port"/>; it lives until disposed or <paramref name="closed"/> fires.</summary>
    public static async Task<TunnelStream> OpenAsync(Tunnel.TunnelClient tunnel, int port, CancellationToken closed, CancellationToken cancellationToken)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(closed);
        var call = tunnel.Connect(cancellationToken: lifetime.Token);
        try
        {
            await call.RequestStream.WriteAsync(new TunnelFrame { Port = (uint)port }, cancellationToken).ConfigureAwait(false);
            return new TunnelStream(call, lifetime);
        }
        catch (RpcException exception)
        {
            call.Dispose();
            lifetime.Dispose();
            throw new IOException("the tunnel could not be opened", exception);
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty)
        {
            if (_ended)
            {
                return 0;
            }

            try
            {
                if (!await _call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || _call.ResponseStream.Current.Eof)
                {
                    _ended = true;
                    return 0;
                }
            }
            catch (RpcException exception)
            {
                throw new IOException("the guest port closed the connection", exception);
            }

            _pending = _call.ResponseStream.Current.Data.Memory;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            for (var offset = 0; offset < buffer.Length; offset += FrameBytes)
            {
                var frame = buffer.Slice(offset, Math.Min(FrameBytes, buffer.Length - offset));
                await _call.RequestStream.WriteAsync(new TunnelFrame { Data = ByteString.CopyFrom(frame.Span) }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException exception)
        {
            throw new IOException("the guest port closed the connection", exception);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lifetime.Cancel();
            _call.Dispose();
            _lifetime.Dispose();
        }

        base.Dispose(disposing);
    }
}
