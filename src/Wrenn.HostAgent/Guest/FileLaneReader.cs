using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The response stream of a Files.Read call that offered the lane. When the guest takes it, the
/// first message (the size) comes over the link, the data from the lane connection in messages of
/// at most 64 KiB, and the stream ends when the lane has delivered exactly the size and the call
/// has ended normally. When the lane cannot be opened, the read starts over without the offer.
/// </summary>
internal sealed class FileLaneReader<T> : IAsyncStreamReader<T>, IDisposable
{
    // Under the large object heap's threshold: one fresh buffer per message, as callers may keep it.
    private const int MessageBytes = 64 * 1024;
    private readonly FileLaneConnector _lane;
    private readonly byte[] _ticket;
    private readonly Marshaller<T> _marshaller;
    private readonly Func<AsyncServerStreamingCall<T>> _plain;
    private AsyncServerStreamingCall<T> _call;
    private NetworkStream? _connection;
    private bool _first = true;
    private long _size;
    private long _received;

    public FileLaneReader(FileLaneConnector lane, byte[] ticket, Marshaller<T> marshaller, Func<AsyncServerStreamingCall<T>> offered, Func<AsyncServerStreamingCall<T>> plain)
    {
        _lane = lane;
        _ticket = ticket;
        _marshaller = marshaller;
        _plain = plain;
        _call = offered();
        ResponseHeadersAsync = _call.ResponseHeadersAsync;
    }

    public T Current { get; private set; } = default!;

    public Task<Metadata> ResponseHeadersAsync { get; }

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return await MoveNextOnLaneAsync(_connection, cancellationToken).ConfigureAwait(false);
        }

        if (!await _call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        Current = _call.ResponseStream.Current;
        if (!_first)
        {
            return true;
        }

        _first = false;
        var chunk = LaneMessages.As(Current, _marshaller, ReadChunk.Parser);
        if (!chunk.OnLane)
        {
            return true;
        }

        _connection = await _lane.TryOpenAsync(_ticket, cancellationToken).ConfigureAwait(false);
        if (_connection is null)
        {
            // The guest waits for a connection that will not come: that call goes, a plain one follows.
            _call.Dispose();
            _call = _plain();
            _first = false;
            return await MoveNext(cancellationToken).ConfigureAwait(false);
        }

        _size = chunk.Size;
        Current = LaneMessages.From(new ReadChunk { Size = chunk.Size }, _marshaller);
        return true;
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _call.Dispose();
    }

    private async Task<bool> MoveNextOnLaneAsync(NetworkStream connection, CancellationToken cancellationToken)
    {
        // One byte more than is due, to see a guest that sends more than it announced.
        var buffer = new byte[(int)Math.Clamp(_size - _received + 1, 1, MessageBytes)];
        int count;
        try
        {
            count = await connection.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            throw await LaneMessages.FailureAsync(_call.ResponseStream.MoveNext(CancellationToken.None)).ConfigureAwait(false);
        }

        _received += count;
        if (_received > _size)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, "the guest sent more than the file's size"));
        }

        if (count > 0)
        {
            Current = LaneMessages.From(new ReadChunk { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, count)) }, _marshaller);
            return true;
        }

        // The lane ended: the call's own end says whether that was the whole file.
        if (await _call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Internal, "the guest sent messages beside its lane"));
        }

        return _received == _size ? false : throw new RpcException(new Status(StatusCode.DataLoss, "the file lane ended early"));
    }
}
