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
    private volatile bool _detaching;

    // GOAWAY, no error, last stream 2^31-1 (every request was seen: the host retries none).
    private static readonly byte[] GoAway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

    // After Detach, output that follows within this quiet period (the reply's last frames, still in
    // Kestrel's frame writer) is sent before the GOAWAY.
    private static readonly TimeSpan DetachQuietPeriod = TimeSpan.FromMilliseconds(100);

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
    /// reply goes out, then a GOAWAY, then nothing more from this session).
    /// </summary>
    public void EndWhenFlushed()
    {
        _detaching = true;
        _toHost.Reader.CancelPendingRead();
    }

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
                if (!WriteBuffer(result) || result.IsCompleted)
                {
                    return;
                }

                if (result.IsCanceled)
                {
                    if (_detaching)
                    {
                        await FinishDetachAsync().ConfigureAwait(false);
                    }

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

    /// <summary>
    /// The last words of a detached session: the output that is still coming, then a GOAWAY. The
    /// host waits for the GOAWAY before it stops the VM, so a snapshot never holds a session that
    /// could still write: the restored guest's first bytes on the port are the new session's.
    /// </summary>
    private async Task FinishDetachAsync()
    {
        while (IsOpen)
        {
            using var quiet = new CancellationTokenSource(DetachQuietPeriod);
            ReadResult result;
            try
            {
                result = await _toHost.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!WriteBuffer(result) || result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        WriteAll(GoAway);
    }

    private bool WriteBuffer(ReadResult result)
    {
        foreach (var segment in result.Buffer)
        {
            if (!WriteAll(segment.Span))
            {
                return false;
            }
        }

        _toHost.Reader.AdvanceTo(result.Buffer.End);
        return true;
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
