namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// What both ends of an RPC connection share: frames in through <see cref="Feed"/>, frames out one
/// batch at a time, and the end of the connection.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The end token and the write lock are used by calls for as long as they run, after the connection ended; neither holds an OS resource (no timer, no wait handle).")]
public abstract class RpcPeer : IRpcFrameHandler
{
    private readonly IRpcOutput _output;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly RpcFrameReader _reader = new();
    private readonly CancellationTokenSource _closed = new();
    private Exception? _closeReason;

    protected RpcPeer(IRpcOutput output) => _output = output;

    /// <summary>Cancelled once the connection ended, for whatever reason.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Why the connection ended (null while it is open).</summary>
    public Exception? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Bytes the peer sent, in order, from the connection's one reader.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        try
        {
            _reader.Feed(data, this);
        }
        catch (IOException violation)
        {
            // A frame out of range, or an envelope that does not parse (protobuf's errors are
            // IOExceptions too): the peer broke the protocol.
            Close(violation);
        }
    }

    /// <summary>Ends the connection: every call fails with <paramref name="reason"/>.</summary>
    public void Close(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        _closed.Cancel();
        OnClosed(reason);
    }

    public abstract void OnFrame(RpcFrameHeader header, ReadOnlySpan<byte> payload, byte[]? owned);

    internal async ValueTask SendAsync(RpcFrames frames, CancellationToken cancellationToken = default)
    {
        if (IsClosed)
        {
            throw new IOException("the connection was closed", CloseReason);
        }

        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(frames.Written, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            Close(exception);
            throw new IOException("the connection was closed", exception);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Sends a frame without waiting for it, for answers given from the reader (credit, pongs).</summary>
    internal void Post(RpcFrames frames) => _ = PostAsync(frames);

    /// <summary>Takes a Message or Credit frame of a call, handled alike each way; false for any other kind.</summary>
    internal static bool TakeFlowFrame(RpcFrameHeader header, ReadOnlySpan<byte> payload, byte[]? owned, RpcInbox inbox, RpcCredit credit)
    {
        switch (header.Kind)
        {
            case RpcFrameKind.Message:
                ThrowIfViolation(inbox.Add(payload, owned), "a message beyond the call's credit");
                return true;
            case RpcFrameKind.Credit:
                ThrowIfViolation(payload.Length == sizeof(uint), "a credit of the wrong size");
                credit.Grant(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(payload));
                return true;
            default:
                return false;
        }
    }

    internal static void ThrowIfViolation(bool allowed, string what)
    {
        if (!allowed)
        {
            throw new RpcProtocolException(what);
        }
    }

    protected abstract void OnClosed(Exception reason);

    private async Task PostAsync(RpcFrames frames)
    {
        using (frames)
        {
            try
            {
                await SendAsync(frames).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The connection ended; whoever waits on it hears that from Close.
            }
        }
    }
}
