using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// One host session on a file descriptor, as a Kestrel connection. Bytes from the host are pushed in
/// by a reader that owns the fd's read side (<see cref="Deliver"/>); bytes Kestrel writes are drained
/// to the fd by <see cref="RunWriterAsync"/>. Once aborted, the session never writes again, so a
/// stale session cannot interleave bytes with the next one on a shared port.
/// </summary>
internal sealed class FdConnection : ConnectionContext
{
    private static readonly PipeOptions Options = new(
        pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false);

    private readonly SafeFileHandle _fd;
    private readonly Pipe _fromHost = new(Options);
    private readonly Pipe _toHost = new(Options);
    private readonly CancellationTokenSource _closed = new();

    public FdConnection(SafeFileHandle fd, string id)
    {
        _fd = fd;
        ConnectionId = id;
        Transport = new DuplexPipe(_fromHost.Reader, _toHost.Writer);
        Features.Set<IHostSessionFeature>(new HostSessionFeature(this));
        Writer = RunWriterAsync();
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    /// <summary>Completes when the writer has stopped for good.</summary>
    public Task Writer { get; }

    public bool IsOpen => !_closed.IsCancellationRequested;

    /// <summary>
    /// Hands host bytes to Kestrel, waiting while Kestrel is behind (back-pressure reaches the host
    /// through HTTP/2 flow control). Returns false when the session no longer takes input.
    /// </summary>
    public bool Deliver(ReadOnlySpan<byte> data)
    {
        if (!IsOpen)
        {
            return false;
        }

        try
        {
            _fromHost.Writer.Write(data);
            var result = _fromHost.Writer.FlushAsync(_closed.Token).AsTask().GetAwaiter().GetResult();
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
        {
            // The session ended while this delivery waited (aborted, or Kestrel completed its input).
            return false;
        }
    }

    /// <summary>
    /// Ends the session once what Kestrel has written so far is on the wire (Machine.Detach: the
    /// reply goes out, then the session is over).
    /// </summary>
    public void EndWhenFlushed() => _toHost.Reader.CancelPendingRead();

    /// <summary>The host went away: end the session.</summary>
    public void EndInput()
    {
        _fromHost.Writer.Complete();
        Abort(new ConnectionAbortedException("host disconnected"));
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (!_closed.IsCancellationRequested)
        {
            _closed.Cancel();
        }

        _toHost.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        Abort(new ConnectionAbortedException("disposed"));
        await Writer.ConfigureAwait(false);
        await _fromHost.Writer.CompleteAsync().ConfigureAwait(false);
        await _toHost.Reader.CompleteAsync().ConfigureAwait(false);
        _closed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunWriterAsync()
    {
        await Task.Yield();
        try
        {
            while (IsOpen)
            {
                var result = await _toHost.Reader.ReadAsync().ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    if (!WriteAll(segment.Span))
                    {
                        return;
                    }
                }

                _toHost.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The reader side was completed by DisposeAsync while we waited.
        }
        finally
        {
            // Kestrel is done with this session (closed or failed it): the port's reader must stop
            // feeding it and look for the next host's preface.
            Abort(new ConnectionAbortedException("session closed"));
        }
    }

    private bool WriteAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (!IsOpen)
            {
                return false;
            }

            var written = FdIo.Write(_fd, data);
            if (written > 0)
            {
                data = data[written..];
            }
            else if (written == -Errno.EAGAIN)
            {
                // The host side is not reading (or not connected): wait, but keep checking that this
                // session is still the live one.
                FdIo.Poll(_fd, FdIo.POLLOUT, 100);
            }
            else if (written != -Errno.EINTR)
            {
                Abort(new ConnectionAbortedException("write failed"));
                return false;
            }
        }

        return true;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class HostSessionFeature(FdConnection connection) : IHostSessionFeature
    {
        public void EndWhenFlushed() => connection.EndWhenFlushed();
    }
}
