using System.Net.WebSockets;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.Streams;

/// <summary>
/// Relays a process's events to a stream socket in the shapes of spec §4.10.1: <c>start</c>,
/// output chunks in order, then <c>exit</c> and close 1000. Each send is awaited, so a slow
/// reader holds the process back and nothing is dropped.
/// </summary>
internal static class ProcessRelay
{
    public static async Task RunAsync(StreamSocket socket, IAsyncStreamReader<ProcessEvent> events, bool base64, CancellationToken cancellationToken)
    {
        var stdout = new OutputEncoder(base64);
        var stderr = new OutputEncoder(base64);
        while (await events.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var message = events.Current;
            switch (message.EventCase)
            {
                case ProcessEvent.EventOneofCase.Started:
                    await socket.SendAsync(new { type = "start", pid = message.Started.Pid, tag = message.Started.Tag }, cancellationToken).ConfigureAwait(false);
                    break;
                case ProcessEvent.EventOneofCase.Output:
                    var isErr = message.Output.Stream == OutputStream.Stderr;
                    foreach (var data in (isErr ? stderr : stdout).Encode(message.Output.Data.Memory))
                    {
                        await socket.SendAsync(new { type = isErr ? "stderr" : "stdout", data }, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case ProcessEvent.EventOneofCase.Exited:
                    await FlushAsync(socket, stdout, "stdout", cancellationToken).ConfigureAwait(false);
                    await FlushAsync(socket, stderr, "stderr", cancellationToken).ConfigureAwait(false);
                    object exit = message.Exited.TimedOut
                        ? new { type = "exit", exit_code = message.Exited.ExitCode, timed_out = true }
                        : new { type = "exit", exit_code = message.Exited.ExitCode };
                    await socket.EndAsync(exit, WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
                    return;
                case ProcessEvent.EventOneofCase.None:
                default:
                    break;
            }
        }

        throw new RpcException(new Status(StatusCode.Unavailable, "the process stream ended without an exit"));
    }

    private static async Task FlushAsync(StreamSocket socket, OutputEncoder encoder, string type, CancellationToken cancellationToken)
    {
        if (encoder.Flush() is { Length: > 0 } data)
        {
            await socket.SendAsync(new { type, data }, cancellationToken).ConfigureAwait(false);
        }
    }
}
