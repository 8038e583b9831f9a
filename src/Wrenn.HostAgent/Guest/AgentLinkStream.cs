using Wrenn.Agent.Protocol.Link;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The host end of one session on a framed agent link (a QEMU capsule's virtio-serial port; design
/// in docs/agent-link.md): opened with a sync gap and a Hello naming a fresh epoch, usable once the
/// guest's Welcome for that epoch arrives. From then on it carries the session's agent RPC bytes in
/// Data frames; frames of any other epoch (an older session's, still in the port) are skipped.
/// </summary>
public sealed class AgentLinkStream : Stream, ILinkFrameSink
{
    private readonly Stream _transport;
    private readonly LinkFrameParser _parser = new();
    private readonly byte[] _incoming = new byte[64 * 1024];
    // Payload of this session parsed out of the last transport read, not yet handed out.
    private readonly byte[] _payload = new byte[64 * 1024];
    private readonly byte[] _frame = new byte[LinkFrameHeader.Size + LinkFrameHeader.MaxPayload];
    private int _payloadStart;
    private int _payloadEnd;
    private bool _welcomed;
    // The guest opened its port after this session's Hello was sent: the Hello was lost.
    private bool _helloLost;

    private AgentLinkStream(Stream transport, LinkEpoch epoch)
    {
        _transport = transport;
        Epoch = epoch;
    }

    public LinkEpoch Epoch { get; }

    /// <summary>Bytes that preceded the Welcome or belonged to no frame of this session (an older session's output).</summary>
    public long SkippedBytes => _parser.SkippedBytes;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Starts session <paramref name="epoch"/> on <paramref name="transport"/> and waits for the
    /// guest's Welcome. Disposes <paramref name="transport"/> if that fails.
    /// </summary>
    /// <exception cref="AgentLinkUnansweredException">No Welcome within <paramref name="answerLimit"/>.</exception>
    public static async Task<AgentLinkStream> OpenAsync(Stream transport, LinkEpoch epoch, TimeSpan answerLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var link = new AgentLinkStream(transport, epoch);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(answerLimit);
        try
        {
            var hello = new byte[LinkFrameHeader.SyncGap + LinkFrameHeader.Size];
            new LinkFrameHeader(LinkFrameKind.Hello, epoch, 0).Write(hello.AsSpan(LinkFrameHeader.SyncGap));
            await SendAsync(transport, hello, limit.Token).ConfigureAwait(false);
            while (!link._welcomed)
            {
                if (!await link.FillAsync(limit.Token).ConfigureAwait(false))
                {
                    throw new IOException("the agent link closed before the guest answered");
                }

                if (link._helloLost)
                {
                    // The same epoch again: a guest that did see the first Hello ignores this one.
                    // The agent has only just started, so its answer gets the whole limit again.
                    link._helloLost = false;
                    limit.CancelAfter(answerLimit);
                    await SendAsync(transport, hello, limit.Token).ConfigureAwait(false);
                }
            }

            return link;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw new AgentLinkUnansweredException(epoch, answerLimit);
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task SendAsync(Stream transport, byte[] bytes, CancellationToken cancellationToken)
    {
        await transport.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await transport.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A zero-byte read (the HTTP handler's way to wait for data) completes once data is there.
        while (_payloadStart == _payloadEnd)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _payloadEnd - _payloadStart);
        _payload.AsMemory(_payloadStart, count).CopyTo(buffer);
        _payloadStart += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var piece = buffer[..Math.Min(buffer.Length, LinkFrameHeader.MaxPayload)];
            new LinkFrameHeader(LinkFrameKind.Data, Epoch, piece.Length).Write(_frame);
            piece.CopyTo(_frame.AsMemory(LinkFrameHeader.Size));
            await _transport.WriteAsync(_frame.AsMemory(0, LinkFrameHeader.Size + piece.Length), cancellationToken).ConfigureAwait(false);
            buffer = buffer[piece.Length..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => _transport.FlushAsync(cancellationToken);

    public override void Flush() => _transport.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    bool ILinkFrameSink.OnFrame(LinkFrameHeader header)
    {
        // Ready carries the agent's own epoch: it concerns whichever session waits for a Welcome.
        if (header.Kind == LinkFrameKind.Ready)
        {
            _helloLost |= !_welcomed;
            return false;
        }

        if (header.Epoch != Epoch)
        {
            return false;
        }

        if (header.Kind == LinkFrameKind.Welcome)
        {
            _welcomed = true;
        }
        else if (header.Kind == LinkFrameKind.LegacyWelcome)
        {
            throw new AgentLinkOutdatedException();
        }

        return header.Kind == LinkFrameKind.Data && _welcomed;
    }

    void ILinkFrameSink.OnPayload(ReadOnlySpan<byte> payload)
    {
        // Fits: a transport read of n bytes holds at most n bytes of payload, and the buffer was
        // empty before it.
        payload.CopyTo(_payload.AsSpan(_payloadEnd));
        _payloadEnd += payload.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _transport.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the transport once and parses what came; false at its end.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var read = await _transport.ReadAsync(_incoming, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return false;
        }

        _payloadStart = _payloadEnd = 0;
        _parser.Feed(_incoming.AsSpan(0, read), this);
        return true;
    }
}
