using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Processes;
using Wrenn.Linux.Terminals;

namespace Wrenn.GuestAgent.Pty;

/// <summary>
/// The Pty gRPC service. A session outlives its calls: the call in control receives the output
/// (with back-pressure) and sends input; when it goes away the process keeps running and its
/// latest output is retained for the next connect, which takes control.
/// </summary>
internal sealed class PtyService(PtyLauncher launcher, ProcessTable table) : Agent.Protocol.Pty.PtyBase
{
    public override async Task Open(IAsyncStreamReader<PtyClientMessage> requestStream, IServerStreamWriter<PtyServerMessage> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation).ConfigureAwait(false))
        {
            return;
        }

        var first = requestStream.Current;
        var (process, lease) = first.MessageCase switch
        {
            PtyClientMessage.MessageOneofCase.Start => Control(launcher.Start(first.Start), replay: false),
            PtyClientMessage.MessageOneofCase.Connect => Control(Find(first.Connect.Tag), replay: true),
            _ => throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the first message must be start or connect"),
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var input = PumpInputAsync(requestStream, process, stop.Token);
        try
        {
            await responseStream.WriteAsync(new PtyServerMessage { Started = new Started { Pid = process.Pid, Tag = process.Tag } }).ConfigureAwait(false);
            foreach (var item in lease.Backlog)
            {
                await responseStream.WriteAsync(ToMessage(item)).ConfigureAwait(false);
            }

            await foreach (var item in lease.Events.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(ToMessage(item)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Detached: the session lives on.
        }
        finally
        {
            process.Output.DetachPrimary(lease);
            await stop.CancelAsync().ConfigureAwait(false);
            await input.ConfigureAwait(false);
        }
    }

    public override async Task<PtySendReply> Send(PtySendRequest request, ServerCallContext context)
    {
        if (request.Message?.MessageCase is not (PtyClientMessage.MessageOneofCase.Input or PtyClientMessage.MessageOneofCase.Resize or PtyClientMessage.MessageOneofCase.Kill))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the message must be input, resize or kill");
        }

        await ApplyAsync(Find(request.Selector), request.Message, context.CancellationToken).ConfigureAwait(false);
        return new PtySendReply();
    }

    private static (GuestProcess, PrimaryLease) Control(GuestProcess process, bool replay) => (process, process.Output.AttachPrimary(replay));

    /// <summary>The PTY session of a pid's digits or a tag.</summary>
    private GuestProcess Find(string selector) =>
        table.Find(selector) is { Kind: ProcessKind.Pty } process ? process : throw AgentErrors.Exception(AgentErrorCode.NotFound, "no such PTY session");

    /// <summary>Applies input, resize and kill in order until the caller stops sending.</summary>
    private static async Task PumpInputAsync(IAsyncStreamReader<PtyClientMessage> requests, GuestProcess process, CancellationToken cancellation)
    {
        try
        {
            while (await requests.MoveNext(cancellation).ConfigureAwait(false))
            {
                await ApplyAsync(process, requests.Current, cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The output side ended the call.
        }
        catch (IOException)
        {
            // The caller's stream broke, or the terminal closed under a resize: the output side
            // sees the same end.
        }
    }

    /// <summary>Applies input, a resize or a kill; other messages are ignored.</summary>
    private static async Task ApplyAsync(GuestProcess process, PtyClientMessage message, CancellationToken cancellation)
    {
        switch (message.MessageCase)
        {
            case PtyClientMessage.MessageOneofCase.Input:
                var data = message.Input.Memory;
                await Task.Run(() => process.WriteInput(data.Span), cancellation).ConfigureAwait(false);
                break;
            case PtyClientMessage.MessageOneofCase.Resize when process.Input is { } master:
                PseudoTerminal.Resize(master, PtyLauncher.Dimension(message.Resize.Cols, 80), PtyLauncher.Dimension(message.Resize.Rows, 24));
                break;
            case PtyClientMessage.MessageOneofCase.Kill when message.Kill:
                process.Signal(ProcessSignals.Kill);
                break;
            default:
                break;
        }
    }

    private static PtyServerMessage ToMessage(OutputEvent item) => item.Exited is { } exited
        ? new PtyServerMessage { Exited = exited }
        : new PtyServerMessage { Output = item.Data };
}
