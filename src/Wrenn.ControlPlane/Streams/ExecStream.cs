using System.Net.WebSockets;
using System.Text.Json;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Streams;

internal sealed class ExecStreamStart : ProcessFields
{
    public string? Type { get; set; }

    public string? Encoding { get; set; }
}

/// <summary>
/// Streaming exec (spec §4.10.1): the first client message starts the process; its output flows
/// as it is produced (a slow reader holds the process back, nothing is dropped); <c>stop</c> sends
/// SIGTERM then SIGKILL; a client that goes away takes its process with it, a pause does not.
/// </summary>
internal static class ExecStream
{
    private static readonly TimeSpan StartWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(HttpContext http, string id, StreamAdmission admission, ApiMetrics metrics)
    {
        await using var admitted = await admission.AcceptAsync(http, id, pty: false).ConfigureAwait(false);
        if (admitted is null)
        {
            return;
        }

        using var connection = metrics.Connection("exec_stream");
        var (socket, session) = admitted;
        StartRequest start;
        bool base64;
        try
        {
            (start, base64) = await ReadStartAsync(socket, session.Token).ConfigureAwait(false);
        }
        catch (ApiException exception)
        {
            await socket.EndAsync(StreamSocket.Error(exception.Message), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (!session.Token.IsCancellationRequested)
        {
            await socket.EndAsync(StreamSocket.Error("no start message within 10 s"), WebSocketCloseStatus.PolicyViolation).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
        using var call = session.Agent.Processes.Start(start, cancellationToken: stop.Token);
        var relay = ProcessRelay.RunAsync(socket, call.ResponseStream, base64, stop.Token);
        var client = ReadClientAsync(socket, session, start.Tag, stop.Token);
        await Task.WhenAny(relay, client).ConfigureAwait(false);
        if (!relay.IsCompletedSuccessfully && ClientLeft(http, relay, client) && session.Scope.Reason == CloseReason.None)
        {
            // The client left before the exit: its process goes with it (a pause keeps it).
            await session.KillAsync(start.Tag).ConfigureAwait(false);
        }

        try
        {
            await relay.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException && session.Scope.Reason != CloseReason.None)
        {
            await socket.EndForCapsuleAsync(session.Scope.Reason, ptyFatal: false).ConfigureAwait(false);
        }
        catch (RpcException exception) when (!stop.IsCancellationRequested)
        {
            await socket.EndAsync(StreamSocket.Error(session.Fail(exception, start.Cmd).Message), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException or WebSocketException)
        {
            // The client went away; its process was killed above.
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await client.ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the client is gone: it closed (its reader ended), or the connection broke. A broken
    /// connection aborts the request, which cancels the relay as well, so the relay often ends
    /// first: which task ends first tells nothing about why.
    /// </summary>
    private static bool ClientLeft(HttpContext http, Task relay, Task client) =>
        client.IsCompleted || http.RequestAborted.IsCancellationRequested || relay.Exception?.InnerException is WebSocketException;

    private static async Task<(StartRequest Start, bool Base64)> ReadStartAsync(StreamSocket socket, CancellationToken cancellationToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(StartWindow);
        var first = await socket.ReceiveAsync(window.Token).ConfigureAwait(false) ?? throw new OperationCanceledException();
        ExecStreamStart? fields;
        try
        {
            fields = first.ValueKind == JsonValueKind.Object ? first.Deserialize<ExecStreamStart>(ApiJson.Options) : null;
        }
        catch (JsonException)
        {
            fields = null;
        }

        ApiException.Require(fields?.Type == "start", "the first message must be {\"type\":\"start\",...}");
        var encoding = fields!.Encoding ?? "utf-8";
        ApiException.Require(encoding is "utf-8" or "base64", "encoding must be utf-8 or base64");
        var timeout = fields.TimeoutSec ?? 0;
        ApiException.Require(timeout is >= 0 and <= 86400, "timeout_sec must be between 0 and 86400");
        return (ProcessRequests.ToStart(fields, ProcessKind.Stream, (uint)timeout, "proc-"), encoding == "base64");
    }

    /// <summary>Reads client messages until the socket closes: <c>stop</c> signals the process, anything else is ignored.</summary>
    private static async Task ReadClientAsync(StreamSocket socket, GuestSession session, string tag, CancellationToken cancellationToken)
    {
        try
        {
            while (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
            {
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                    && type.GetString() == "stop")
                {
                    _ = StopAsync(session, tag);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // Ended by the server side (exit, pause) or the connection broke.
        }
    }

    private static async Task StopAsync(GuestSession session, string tag)
    {
        try
        {
            await session.Agent.Processes.SignalAsync(new SignalRequest { Selector = tag, Signal = 15 }, cancellationToken: session.Token).ConfigureAwait(false);
            await Task.Delay(StopGrace, session.Token).ConfigureAwait(false);
            await session.KillAsync(tag).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException)
        {
            // Exited already, or the stream ended.
        }
    }
}
