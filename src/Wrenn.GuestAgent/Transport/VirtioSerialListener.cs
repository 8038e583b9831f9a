using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Serves host sessions over one virtio-serial port. The port is a single byte stream for the life
/// of the guest: a zero-length read means "no host connected" (not end of stream), writes stall while
/// nobody is connected, and a snapshot can resume with a different host on the other end. One
/// dedicated thread owns all reads; a session starts at each HTTP/2 preface and ends when the host
/// disconnects or Kestrel closes it, and bytes between sessions are discarded.
/// </summary>
internal sealed partial class VirtioSerialListener : IConnectionListener
{
    private readonly SafeFileHandle _port;
    private readonly Channel<FdConnection> _sessions = Channel.CreateBounded<FdConnection>(1);
    private readonly Http2PrefaceScanner _scanner = new();
    // The latest bytes delivered to the current session (reader thread only).
    private readonly RecentBytes _recent = new(64 * 1024);
    private readonly ILogger _logger;
    private readonly Thread _reader;
    private volatile bool _stopping;
    private FdConnection? _current; // Touched only by the reader thread.
    private int _sessionCount; // Touched only by the reader thread.

    public VirtioSerialListener(HostLinkEndPoint endPoint, string devicePath, ILogger logger)
    {
        EndPoint = endPoint;
        _logger = logger;
        _port = FdIo.Open(devicePath, FdIo.O_RDWR | FdIo.O_NONBLOCK | FdIo.O_NOCTTY);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "host-link-reader" };
        _reader.Start();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _sessions.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _stopping = true;
        _sessions.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _stopping = true;
        _sessions.Writer.TryComplete();
        _reader.Join(TimeSpan.FromSeconds(2));
        _port.Dispose();
        return ValueTask.CompletedTask;
    }

    private void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        while (!_stopping)
        {
            try
            {
                ReadOnce(buffer);
            }
            catch (Exception exception)
            {
                // This thread is the agent's only ear: it must outlive any session's failure (and
                // the agent is PID 1, whose death panics the guest). Drop the session, go on.
                LogSessionFailed(_logger, exception);
                _current?.Abort(new ConnectionAbortedException("session failed"));
                _current = null;
                _scanner.Reset();
                _recent.Clear();
                Thread.Sleep(100);
            }
        }

        EndSession();
    }

    private void ReadOnce(byte[] buffer)
    {
        if (_current is { IsOpen: false })
        {
            // Kestrel ended the session on its own (it sent GOAWAY, or a new host's preface
            // reached a session the guest had not seen end): a new host may already have
            // sent its preface into the dead session.
            RestartFromRecent();
        }

        var read = FdIo.Read(_port, buffer);
        if (read > 0)
        {
            Route(buffer.AsSpan(0, read));
        }
        else if (read == 0)
        {
            // No host on the other end (never connected, gone, or a restore in progress).
            EndSession();
            Thread.Sleep(10);
        }
        else if (read == -Errno.EAGAIN)
        {
            FdIo.Poll(_port, FdIo.POLLIN, 100);
        }
        else if (read != -Errno.EINTR)
        {
            LogReadFailed(_logger, -read);
            Thread.Sleep(100);
        }
    }

    private void Route(ReadOnlySpan<byte> data)
    {
        if (_current is not null)
        {
            if (_current.Deliver(data))
            {
                _recent.Append(data);
                return;
            }

            // Kestrel closed the session: look for the next one, from what the dead session may
            // have swallowed onwards.
            _recent.Append(data);
            RestartFromRecent();
            return;
        }

        var start = _scanner.Scan(data);
        if (start < 0)
        {
            return;
        }

        var session = new FdConnection(_port, "host-" + (++_sessionCount).ToString(CultureInfo.InvariantCulture));
        if (!_sessions.Writer.TryWrite(session))
        {
            // Kestrel has not taken the previous session yet (only possible while shutting down).
            session.Abort(new ConnectionAbortedException("listener is shutting down"));
            return;
        }

        _current = session;
        // The session's own preface is not kept: a preface found in _recent later can only be
        // the next host's.
        _recent.Clear();
        LogSessionStarted(_logger, session.ConnectionId);
        if (session.Deliver(Http2PrefaceScanner.Preface))
        {
            Route(data[start..]);
        }
    }

    /// <summary>Ends the current session and scans what was delivered to it for a new preface.</summary>
    private void RestartFromRecent()
    {
        var recent = _recent.ToArray();
        EndSession();
        Route(recent);
    }

    private void EndSession()
    {
        _scanner.Reset();
        _recent.Clear();
        if (_current is null)
        {
            return;
        }

        LogSessionEnded(_logger, _current.ConnectionId);
        _current.EndInput();
        _current = null;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Host session {ConnectionId} started")]
    private static partial void LogSessionStarted(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Host session {ConnectionId} ended")]
    private static partial void LogSessionEnded(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "A host session failed; waiting for the next one")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Reading the host link failed with errno {Errno}")]
    private static partial void LogReadFailed(ILogger logger, int errno);
}
