using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Rpc;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The host's end of one capsule's guest agent: the agent RPC over the capsule's private link (one
/// connection, re-opened as needed; each opening is a new session the guest takes up explicitly,
/// see docs/agent-link.md), presenting the capsule's current secret. Every call that fails because
/// of the link is logged with its cause and counted (<see cref="AgentLinkMetrics"/>).
/// </summary>
public sealed partial class GuestAgentClient : IDisposable
{
    // A guest that never takes up a session (frozen, or wedged) fails the call after this instead
    // of having new sessions offered to it forever.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);

    private readonly Func<CancellationToken, ValueTask<Stream>> _connect;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly Lock _connecting = new();
    // Replaced whole when the secret rotates; calls read it as they start.
    private volatile string _secret;
    // The connection calls start on: opened by the first call that finds none (or a closed one),
    // dropped by Reconnect.
    private Task<RpcClientConnection>? _connection;
    // The link in use: the guest end accepts one connection at a time (QEMU's chardev serves one
    // client), so it must be closed before another is opened.
    private Stream? _stream;
    private long _streamOpenedAt;
    private volatile bool _suspended;

    /// <param name="connect">Opens the capsule's agent link (the VM's <c>ConnectAgentAsync</c>).</param>
    /// <param name="secret">The agent secret valid in the guest now.</param>
    /// <param name="capsule">The capsule (or template) this agent belongs to, for logs.</param>
    /// <param name="logger">Where link failures are reported.</param>
    /// <param name="time">The clock of deadlines and the link's pings.</param>
    /// <param name="fileLane">The guest's file lane, when it has a network card: file bytes go there instead of over the link.</param>
    public GuestAgentClient(Func<CancellationToken, ValueTask<Stream>> connect, string secret, string capsule, ILogger logger, TimeProvider? time = null,
        FileLaneConnector? fileLane = null)
    {
        _connect = connect;
        _secret = secret;
        Capsule = capsule;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var invoker = new RpcCallInvoker(CurrentConnectionAsync, _time).Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + _secret);
            return metadata;
        }).Intercept(new LinkFailureInterceptor(this));
        Services = new GuestServices(fileLane is null ? invoker : invoker.Intercept(new FileLaneInterceptor(fileLane)));
    }

    public string Capsule { get; }

    /// <summary>The agent's services; each call goes over whichever connection is current when it starts.</summary>
    public GuestServices Services { get; }

    public Machine.MachineClient Machine => Services.Machine;

    public Processes.ProcessesClient Processes => Services.Processes;

    public Pty.PtyClient Pty => Services.Pty;

    public Files.FilesClient Files => Services.Files;

    public Tunnel.TunnelClient Tunnel => Services.Tunnel;

    /// <summary>
    /// Drops the connection; the next call opens a new link session. Calls in flight on the old
    /// connection fail.
    /// </summary>
    public void Reconnect()
    {
        Task<RpcClientConnection>? previous;
        lock (_connecting)
        {
            previous = _connection;
            _connection = null;
        }

        Drop(previous);
    }

    /// <summary>
    /// Before a snapshot: drops the connection, and calls fail at once (never reaching the VM)
    /// until <see cref="Unsuspend"/>. The guest's session may stay frozen in the snapshot; the next
    /// session opened after a restore replaces it.
    /// </summary>
    public void Suspend()
    {
        _suspended = true;
        Reconnect();
    }

    /// <summary>The snapshot failed and the VM runs on: calls reach it again.</summary>
    public void Unsuspend() => _suspended = false;

    /// <summary>Presents <paramref name="secret"/> from the next call on (after Init replaced it in the guest).</summary>
    public void UseSecret(string secret) => _secret = secret;

    /// <summary>
    /// Calls Health until the agent answers or <paramref name="timeout"/> passes. The first call
    /// waits while the VM starts: opening the link waits for the guest to answer its Hello.
    /// </summary>
    public async Task<HealthReply> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                return await Machine.HealthAsync(new HealthRequest(), cancellationToken: deadline.Token).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException exception) when (exception.StatusCode != StatusCode.Unauthenticated && !deadline.IsCancellationRequested
                && exception.Status.DebugException is not AgentLinkOutdatedException)
            {
                // The VMM's socket is not there yet, or the link closed under the call: a new
                // session, shortly.
                Reconnect();
                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
        }
    }

    public void Dispose()
    {
        Reconnect();
        // The link itself too: a VMM's agent socket serves one client, and the next host agent's
        // connection would wait behind this one.
        Interlocked.Exchange(ref _stream, null)?.Dispose();
    }

    private static void Drop(Task<RpcClientConnection>? connection) =>
        connection?.ContinueWith(static opened => opened.Result.DisposeAsync(), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The connection for a call starting now: the open one, or a new one if there is none or it closed.</summary>
    private async ValueTask<RpcClientConnection> CurrentConnectionAsync(CancellationToken cancellationToken)
    {
        Task<RpcClientConnection> current;
        lock (_connecting)
        {
            if (_connection is null || _connection.IsFaulted || _connection.IsCanceled
                || (_connection.IsCompletedSuccessfully && _connection.Result.IsClosed))
            {
                Drop(_connection);
                _connection = OpenAsync();
            }

            current = _connection;
        }

        return await current.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<RpcClientConnection> OpenAsync()
    {
        using var limit = new CancellationTokenSource(ConnectTimeout, _time);
        var stream = await ConnectExclusiveAsync(limit.Token).ConfigureAwait(false);
        return new RpcClientConnection(stream, _time);
    }

    /// <summary>
    /// Opens the link, closing the previous one first: the connect would otherwise wait forever
    /// behind the old connection at QEMU's one-client socket.
    /// </summary>
    private async ValueTask<Stream> ConnectExclusiveAsync(CancellationToken cancellationToken)
    {
        if (_suspended)
        {
            throw new IOException("the capsule is being snapshotted");
        }

        var previous = Interlocked.Exchange(ref _stream, null);
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        Stream stream;
        while (true)
        {
            try
            {
                stream = await _connect(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (AgentLinkUnansweredException unanswered) when (!_suspended)
            {
                // The guest runs but never saw this connection: another one.
                AgentLinkMetrics.Opened(AgentLinkMetrics.Unanswered, Stopwatch.GetElapsedTime(started));
                var unansweredSession = unanswered.Epoch.ToString();
                var unansweredAt = Seconds(_startedAt);
                LogLinkUnanswered(_logger, Capsule, unansweredSession, unansweredAt);
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException)
            {
                AgentLinkMetrics.Opened(AgentLinkMetrics.Failure, Stopwatch.GetElapsedTime(started));
                LogLinkOpenFailed(_logger, Capsule, Seconds(_startedAt), exception);
                throw;
            }
        }

        var took = Stopwatch.GetElapsedTime(started);
        AgentLinkMetrics.Opened(AgentLinkMetrics.Success, took);
        var session = SessionOf(stream);
        var skipped = (stream as AgentLinkStream)?.SkippedBytes ?? 0;
        var sinceStart = Seconds(_startedAt);
        LogLinkOpened(_logger, Capsule, session, took.TotalMilliseconds, skipped, sinceStart);

        Interlocked.Exchange(ref _streamOpenedAt, Stopwatch.GetTimestamp());
        // A connect of a connection replaced meanwhile (Reconnect) may have finished first: only
        // one link can be in use, so that one goes rather than stay open unseen.
        var raced = Interlocked.Exchange(ref _stream, stream);
        if (raced is not null)
        {
            await raced.DisposeAsync().ConfigureAwait(false);
        }

        return stream;
    }

    /// <summary>Called by <see cref="LinkFailureInterceptor"/> for every failed call.</summary>
    internal void OnCallFailed(string method, RpcException exception, CallOptions options)
    {
        // The agent's own answers (typed errors, a refused secret) and calls their caller gave up
        // on are not the link's failures.
        if (exception.Trailers.GetValue(AgentErrors.TrailerKey) is not null || exception.StatusCode == StatusCode.Unauthenticated
            || options.CancellationToken.IsCancellationRequested || (options.Deadline is not null && exception.StatusCode == StatusCode.DeadlineExceeded))
        {
            return;
        }

        if (_suspended)
        {
            LogCallRefusedWhileSuspended(_logger, Capsule, method);
            return;
        }

        var stream = Volatile.Read(ref _stream);
        AgentLinkMetrics.CallFailed(exception.StatusCode);
        LogCallFailed(_logger, Capsule, method, exception.StatusCode, stream is null ? null : SessionOf(stream),
            stream is null ? 0 : Seconds(Interlocked.Read(ref _streamOpenedAt)), Seconds(_startedAt), exception.Status.DebugException ?? exception);
    }

    private static string SessionOf(Stream stream) => stream is AgentLinkStream link ? link.Epoch.ToString() : "vsock";

    private static double Seconds(long since) => Stopwatch.GetElapsedTime(since).TotalSeconds;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug,
        Message = "Agent link of {Capsule}: session {Session} opened in {Milliseconds:0} ms ({Skipped} bytes of earlier sessions skipped), {SinceStart:0.0} s after the VM started")]
    private static partial void LogLinkOpened(ILogger logger, string capsule, string session, double milliseconds, long skipped, double sinceStart);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Agent link of {Capsule}: opening a session failed {SinceStart:0.0} s after the VM started")]
    private static partial void LogLinkOpenFailed(ILogger logger, string capsule, double sinceStart, Exception exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information,
        Message = "Agent link of {Capsule}: session {Session} was not answered in time (the guest is still starting, or the VMM lost the connection), opening another ({SinceStart:0.0} s after the VM started)")]
    private static partial void LogLinkUnanswered(ILogger logger, string capsule, string session, double sinceStart);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Agent call {Method} to {Capsule} failed on the link ({Status}; session {Session}, open {SessionAge:0.0} s; {SinceStart:0.0} s after the VM started)")]
    private static partial void LogCallFailed(ILogger logger, string capsule, string method, StatusCode status, string? session, double sessionAge, double sinceStart,
        Exception cause);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Agent call {Method} to {Capsule} refused: the capsule is being snapshotted")]
    private static partial void LogCallRefusedWhileSuspended(ILogger logger, string capsule, string method);
}
