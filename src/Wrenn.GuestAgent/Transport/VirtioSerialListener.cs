using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol.Link;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Serves host sessions over one virtio-serial port, which is a single byte stream for the life of
/// the guest and across snapshots: it can hold bytes of a host connection that is long gone. So the
/// link is framed (docs/agent-link.md): a host's Hello names its session's epoch, and only frames of
/// the newest epoch reach the agent's RPC server or the port. One dedicated thread owns all reads.
/// </summary>
internal sealed partial class VirtioSerialListener : IAsyncDisposable, ILinkFrameSink
{
    private readonly SafeFileHandle _port;
    private readonly PortWriter _writer;
    private readonly AgentRpc _rpc;
    private readonly LinkFrameParser _parser = new();
    private readonly ILogger _logger;
    private readonly Thread _reader;
    private volatile bool _stopping;
    private HostSession? _current; // Touched only by the reader thread.
    private bool _hostAway; // Touched only by the reader thread.

    public VirtioSerialListener(SafeFileHandle port, AgentRpc rpc)
    {
        _rpc = rpc;
        _logger = rpc.Loggers.CreateLogger<VirtioSerialListener>();
        _port = port;
        _writer = new PortWriter(port);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "host-link-reader" };
        _reader.Start();
    }

    public ValueTask DisposeAsync()
    {
        _stopping = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        _port.Dispose();
        return ValueTask.CompletedTask;
    }

    bool ILinkFrameSink.OnFrame(LinkFrameHeader header)
    {
        switch (header.Kind)
        {
            case LinkFrameKind.Hello when !_writer.IsCurrent(header.Epoch):
                StartSession(header.Epoch);
                return false;
            case LinkFrameKind.Data:
                // Frames of an older session are skipped header by header: one cut short by its
                // connection's end must not swallow what follows.
                return _current is not null && _writer.IsCurrent(header.Epoch);
            default:
                return false;
        }
    }

    void ILinkFrameSink.OnPayload(ReadOnlySpan<byte> payload)
    {
        // False once the session broke the protocol: the host's calls fail and it starts a new one.
        _current?.Deliver(payload);
    }

    private void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        // Before the first read: a Hello that reached the port while no one held it open was
        // dropped by the guest's driver, and the host would wait its full answer limit for it.
        _writer.Ready(() => !_stopping);
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
                _current?.End("session failed");
                _current = null;
                Thread.Sleep(100);
            }
        }

        _current?.End("agent stopping");
    }

    private void ReadOnce(byte[] buffer)
    {
        var read = FdIo.Read(_port, buffer);
        if (read > 0)
        {
            _hostAway = false;
            _parser.Feed(buffer.AsSpan(0, read), this);
        }
        else if (read == 0)
        {
            // No host on the other end (not yet, gone, or a restore in progress). The session
            // stays: only a Hello ends it, so nothing depends on seeing this moment.
            if (!_hostAway)
            {
                _hostAway = true;
                LogHostAway(_logger, _current?.Id);
            }

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

    private void StartSession(LinkEpoch epoch)
    {
        var previous = _current;
        // From here on the previous session cannot write another frame.
        _writer.Switch(epoch);
        var output = new PortSessionOutput(_writer, epoch);
        var session = new HostSession(output, "host-" + epoch, _rpc);
        _current = session;
        previous?.End("replaced by a new host session");
        // Not on this thread: a write waits while the port is full, and this thread must go on
        // reading (the next Hello). The host sends nothing before it sees the Welcome.
        _ = Task.Run(output.Open);
        LogSessionStarted(_logger, session.Id, previous?.Id, _parser.SkippedBytes);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Host session {ConnectionId} started (replacing {Previous}; {Skipped} bytes skipped on the link so far)")]
    private static partial void LogSessionStarted(ILogger logger, string connectionId, string? previous, long skipped);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "No host on the link (session {ConnectionId} waits for the next Hello)")]
    private static partial void LogHostAway(ILogger logger, string? connectionId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "A host session failed; waiting for the next one")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Reading the host link failed with errno {Errno}")]
    private static partial void LogReadFailed(ILogger logger, int errno);
}
