using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// One host session as a Kestrel connection. Bytes from the host are pushed in by the reader that
/// owns the link's read side (<see cref="Deliver"/>); bytes Kestrel writes are drained into the
/// session's <see cref="ISessionOutput"/> by <see cref="Writer"/>.
/// </summary>
internal sealed class FdConnection : ConnectionContext
{
    // Input is never paused here: the host can send no more than HTTP/2 flow control allows (the
    // connection window), and a reader blocked on one session could not see the next one start.
    private static readonly PipeOptions InputOptions = new(pauseWriterThreshold: 0, useSynchronizationContext: false);

    private static readonly PipeOptions OutputOptions = new(
        pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false);

    // How long a closing session may take to put Kestrel's last frames (a GOAWAY) on the wire.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    private readonly ISessionOutput _output;
    private readonly Pipe _fromHost = new(InputOptions);
    private readonly Pipe _toHost = new(OutputOptions);
    private readonly CancellationTokenSource _closed = new();

    public FdConnection(ISessionOutput output, string id)
    {
        _output = output;
        ConnectionId = id;
        Transport = new DuplexPipe(_fromHost.Reader, _toHost.Writer);
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

    /// <summary>Hands host bytes to Kestrel. Returns false when the session no longer takes input.</summary>
    public bool Deliver(ReadOnlySpan<byte> data)
    {
        if (!IsOpen)
        {
            return false;
        }

        try
        {
            _fromHost.Writer.Write(data);
            // Never waits: the pipe does not pause (see InputOptions).
            var result = _fromHost.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            return !result.IsCompleted;
        }
        catch (InvalidOperationException)
        {
            // Kestrel completed its input or the session was ended meanwhile.
            return false;
        }
    }

    /// <summary>The host went away, or a newer session replaced this one: end it now.</summary>
    public void EndInput(string reason)
    {
        _fromHost.Writer.Complete();
        Abort(new ConnectionAbortedException(reason));
    }

    /// <summary>Ends the session at once; output not yet written is dropped.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (!_closed.IsCancellationRequested)
        {
            _closed.Cancel();
        }

        _toHost.Reader.CancelPendingRead();
    }

    /// <summary>
    /// Kestrel is done with the session. A graceful close completed its output first: what it
    /// wrote last (the GOAWAY, the last DATA of a response) still goes out, within a bound.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await Writer.WaitAsync(DrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort(new ConnectionAbortedException("the output did not drain"));
            await Writer.ConfigureAwait(false);
        }

        Abort(new ConnectionAbortedException("disposed"));
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
            if (!_output.Open())
            {
                return;
            }

            while (IsOpen)
            {
                var result = await _toHost.Reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled || !_output.Write(result.Buffer))
                {
                    return;
                }

                _toHost.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
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
            // No more output from this session: the link's reader must stop feeding it.
            Abort(new ConnectionAbortedException("session closed"));
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
