using System.Net.WebSockets;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Streams;

internal sealed class PtyClientMessageBody : ProcessFields
{
    public string? Type { get; set; }

    public int? Cols { get; set; }

    public int? Rows { get; set; }

    public string? Data { get; set; }
}

/// <summary>
/// PTY sessions (spec §4.10.3). Client messages are applied strictly in order (each one is
/// awaited into the agent's stream, so a fast typist is held back, never dropped); the session
/// outlives the socket and a new <c>connect</c> takes it over.
/// </summary>
internal static class PtyStream
{
    private static readonly TimeSpan StartWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DetachGrace = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(HttpContext http, string id, StreamAdmission admission, ApiMetrics metrics)
    {
        await using var admitted = await admission.AcceptAsync(http, id, pty: true).ConfigureAwait(false);
        if (admitted is null)
        {
            return;
        }

        using var connection = metrics.Connection("pty");
        var (socket, session) = admitted;
        PtyClientMessage first;
        try
        {
            first = await ReadFirstAsync(socket, session.Token).ConfigureAwait(false);
        }
        catch (ApiException exception)
        {
            await socket.EndAsync(StreamSocket.Error(exception.Message, fatal: true), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (!session.Token.IsCancellationRequested)
        {
            await socket.EndAsync(StreamSocket.Error("no start or connect message within 10 s", fatal: true), WebSocketCloseStatus.PolicyViolation).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
        using var call = session.Agent.Pty.Open(cancellationToken: stop.Token);
        var input = Task.CompletedTask;
        var pings = Task.CompletedTask;
        try
        {
            await call.RequestStream.WriteAsync(first, stop.Token).ConfigureAwait(false);
            input = PumpInputAsync(socket, call.RequestStream, stop);
            pings = PingAsync(socket, stop.Token);
            await RelayOutputAsync(socket, call.ResponseStream, stop.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException && session.Scope.Reason != CloseReason.None)
        {
            await socket.EndForCapsuleAsync(session.Scope.Reason, ptyFatal: true).ConfigureAwait(false);
        }
        catch (RpcException exception) when (AgentErrors.CodeOf(exception) == AgentErrorCode.AttachedElsewhere)
        {
            await socket.EndAsync(StreamSocket.Error("attached from another connection", fatal: true), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
        }
        catch (RpcException exception) when (!stop.IsCancellationRequested)
        {
            var subject = first.MessageCase == PtyClientMessage.MessageOneofCase.Connect ? "pty session " + first.Connect.Tag : first.Start.Cmd;
            await socket.EndAsync(StreamSocket.Error(session.Fail(exception, subject).Message, fatal: true), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException or WebSocketException)
        {
            // The client went away: the session lives on in the guest.
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(input, pings).ConfigureAwait(false);
    }

    private static async Task<PtyClientMessage> ReadFirstAsync(StreamSocket socket, CancellationToken cancellationToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(StartWindow);
        var first = await socket.ReceiveAsync(window.Token).ConfigureAwait(false) ?? throw new OperationCanceledException();
        var body = Parse(first) ?? throw ApiException.Invalid("the first message must be start or connect");
        switch (body.Type)
        {
            case "connect":
                ApiException.Require(body.Tag is not null && ProcessRequests.IsValidTag(body.Tag), "connect needs the session's tag");
                return new PtyClientMessage { Connect = new PtyConnect { Tag = body.Tag } };
            case "start":
                var cols = body.Cols ?? 80;
                var rows = body.Rows ?? 24;
                ApiException.Require(cols is >= 1 and <= 1000 && rows is >= 1 and <= 1000, "cols and rows must be between 1 and 1000");
                body.Cmd ??= "/bin/bash";
                var request = ProcessRequests.ToStart(body, ProcessKind.Pty, 0, "pty-");
                var start = new PtyStart { Cmd = request.Cmd, Cwd = request.Cwd, User = request.User, Tag = request.Tag, Cols = (uint)cols, Rows = (uint)rows };
                start.Args.AddRange(request.Args);
                start.Envs.Add(request.Envs);
                start.Envs.TryAdd("TERM", "xterm-256color");
                return new PtyClientMessage { Start = start };
            default:
                throw ApiException.Invalid("the first message must be start or connect");
        }
    }

    private static async Task RelayOutputAsync(StreamSocket socket, IAsyncStreamReader<PtyServerMessage> messages, CancellationToken cancellationToken)
    {
        while (await messages.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var message = messages.Current;
            switch (message.MessageCase)
            {
                case PtyServerMessage.MessageOneofCase.Started:
                    await socket.SendAsync(new { type = "started", tag = message.Started.Tag, pid = message.Started.Pid }, cancellationToken).ConfigureAwait(false);
                    break;
                case PtyServerMessage.MessageOneofCase.Output:
                    var bytes = message.Output.Memory;
                    for (var offset = 0; offset < bytes.Length; offset += StreamSocket.MaxDataBytes)
                    {
                        var data = Convert.ToBase64String(bytes.Span.Slice(offset, Math.Min(StreamSocket.MaxDataBytes, bytes.Length - offset)));
                        await socket.SendAsync(new { type = "output", data }, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case PtyServerMessage.MessageOneofCase.Exited:
                    await socket.EndAsync(new { type = "exit", exit_code = message.Exited.ExitCode }, WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
                    return;
                case PtyServerMessage.MessageOneofCase.None:
                default:
                    break;
            }
        }
    }

    /// <summary>Applies input, resize and kill in order; bad messages get a non-fatal error. A client close detaches.</summary>
    private static async Task PumpInputAsync(StreamSocket socket, IClientStreamWriter<PtyClientMessage> agent, CancellationTokenSource stop)
    {
        try
        {
            while (await socket.ReceiveAsync(stop.Token).ConfigureAwait(false) is { } message)
            {
                var (forward, error) = Translate(message);
                if (forward is not null)
                {
                    await agent.WriteAsync(forward, stop.Token).ConfigureAwait(false);
                }
                else
                {
                    await socket.SendAsync(StreamSocket.Error(error!, fatal: false), stop.Token).ConfigureAwait(false);
                }
            }

            // The client left: end the request stream in order, so input it sent last is still
            // applied, then leave the session (it lives on in the guest).
            await agent.CompleteAsync().ConfigureAwait(false);
            await Task.Delay(DetachGrace, stop.Token).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or RpcException or InvalidOperationException)
        {
            // The session ended (exit, takeover, pause) or the connection broke.
        }
    }

    private static (PtyClientMessage? Forward, string? Error) Translate(JsonElement message)
    {
        var body = Parse(message);
        switch (body?.Type)
        {
            case "input":
                try
                {
                    return (new PtyClientMessage { Input = ByteString.CopyFrom(Convert.FromBase64String(body.Data ?? string.Empty)) }, null);
                }
                catch (FormatException)
                {
                    return (null, "input data is not valid base64");
                }

            case "resize" when body.Cols is >= 1 and <= 1000 && body.Rows is >= 1 and <= 1000:
                return (new PtyClientMessage { Resize = new PtyResize { Cols = (uint)body.Cols, Rows = (uint)body.Rows } }, null);
            case "resize":
                return (null, "cols and rows must be between 1 and 1000");
            case "kill":
                return (new PtyClientMessage { Kill = true }, null);
            default:
                return (null, "unknown message type");
        }
    }

    private static PtyClientMessageBody? Parse(JsonElement message)
    {
        try
        {
            return message.ValueKind == JsonValueKind.Object ? message.Deserialize<PtyClientMessageBody>(ApiJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task PingAsync(StreamSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(PingEvery);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(new { type = "ping" }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // The session's socket ended.
        }
    }
}
