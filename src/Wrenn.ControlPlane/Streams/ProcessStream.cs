using System.Globalization;
using System.Net.WebSockets;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Streams;

/// <summary>
/// Attach to a live non-PTY process (spec §4.10.2): its retained output, then live output, then
/// its exit. Observers never affect the process; one that falls too far behind is dropped (1011).
/// </summary>
internal static class ProcessStream
{
    public static async Task RunAsync(HttpContext http, string id, string selector, StreamAdmission admission, ApiMetrics metrics)
    {
        await using var admitted = await admission.AcceptAsync(http, id, pty: false, session => CheckSelectorAsync(session, selector)).ConfigureAwait(false);
        if (admitted is null)
        {
            return;
        }

        using var connection = metrics.Connection("process_stream");
        var (socket, session) = admitted;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
        var client = DrainClientAsync(socket, stop);
        try
        {
            using var call = session.Agent.Processes.Attach(new AttachRequest { Selector = selector }, cancellationToken: stop.Token);
            await ProcessRelay.RunAsync(socket, call.ResponseStream, base64: false, stop.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RpcException or OperationCanceledException && session.Scope.Reason != CloseReason.None)
        {
            await socket.EndForCapsuleAsync(session.Scope.Reason, ptyFatal: false).ConfigureAwait(false);
        }
        catch (RpcException exception) when (AgentErrors.CodeOf(exception) == AgentErrorCode.ObserverLagged)
        {
            await socket.EndAsync(StreamSocket.Error("this observer fell more than 8 MiB behind"), WebSocketCloseStatus.InternalServerError).ConfigureAwait(false);
        }
        catch (RpcException exception) when (!stop.IsCancellationRequested)
        {
            await socket.EndAsync(StreamSocket.Error(session.Fail(exception, selector).Message), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException or WebSocketException)
        {
            // The observer went away; the process is not affected.
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await client.ConfigureAwait(false);
    }

    /// <summary>Before upgrading: the selector must name a listed process (404) that is not a PTY (400).</summary>
    private static async Task CheckSelectorAsync(GuestSession session, string selector)
    {
        var list = await session.CallAsync(() => session.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: session.Token).ResponseAsync)
            .ConfigureAwait(false);
        var process = list.Processes.FirstOrDefault(p => p.Tag == selector || p.Pid.ToString(CultureInfo.InvariantCulture) == selector)
            ?? throw ApiException.NotFound("process " + selector);
        ApiException.Require(process.Kind != ProcessKind.Pty, "PTY sessions are attached through the pty route");
    }

    /// <summary>Client messages are ignored; a close ends the observation.</summary>
    private static async Task DrainClientAsync(StreamSocket socket, CancellationTokenSource stop)
    {
        try
        {
            while (await socket.ReceiveAsync(stop.Token).ConfigureAwait(false) is not null)
            {
            }

            await stop.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // Ended by the server side, or the connection broke.
        }
    }
}
