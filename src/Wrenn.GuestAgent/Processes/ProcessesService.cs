using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>The Processes gRPC service: start, observe, list, signal and feed processes.</summary>
internal sealed class ProcessesService(ProcessLauncher launcher, ProcessTable table) : Agent.Protocol.Processes.ProcessesBase
{
    // How long a SIGKILL may take to show up as an exit before Signal gives up waiting.
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    public override async Task Start(StartRequest request, IServerStreamWriter<ProcessEvent> responseStream, ServerCallContext context)
    {
        var (process, lease) = launcher.Start(request);
        await responseStream.WriteAsync(new ProcessEvent { Started = new Started { Pid = process.Pid, Tag = process.Tag } }).ConfigureAwait(false);
        if (lease is null)
        {
            // Background: the call ends here, cleanly, rather than by the caller resetting a stream
            // that still carries output.
            return;
        }

        var exited = false;
        try
        {
            await foreach (var item in lease.Events.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(ToEvent(item)).ConfigureAwait(false);
                exited |= item.Exited is not null;
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller went away; what happens to the process is decided below.
        }
        finally
        {
            if (!exited)
            {
                process.Output.DetachPrimary(lease);
                if (request.DetachKills)
                {
                    process.Signal(ProcessSignals.Kill);
                }
            }
        }
    }

    public override async Task Attach(AttachRequest request, IServerStreamWriter<ProcessEvent> responseStream, ServerCallContext context)
    {
        var process = Find(request.Selector);
        if (process.Kind == ProcessKind.Pty)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "PTY sessions are attached with Pty.Open");
        }

        var observer = process.Output.Observe(replay: !request.LiveOnly);
        try
        {
            await responseStream.WriteAsync(new ProcessEvent { Started = new Started { Pid = process.Pid, Tag = process.Tag } }).ConfigureAwait(false);
            await foreach (var item in observer.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(ToEvent(item)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // An observer leaving changes nothing for the process.
        }
        finally
        {
            process.Output.Unobserve(observer);
        }
    }

    public override Task<ListProcessesReply> List(ListProcessesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListProcessesReply { Processes = { table.Snapshot().Select(process => process.Info) } });

    public override async Task<SignalReply> Signal(SignalRequest request, ServerCallContext context)
    {
        if (request.Signal is <= 0 or > 64)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "bad signal number");
        }

        var process = Find(request.Selector);
        process.Signal(request.Signal);
        if (request.Signal == ProcessSignals.Kill)
        {
            await process.Completion.WaitAsync(KillWait, context.CancellationToken).ConfigureAwait(false);
        }

        return new SignalReply();
    }

    public override async Task<WriteStdinReply> WriteStdin(WriteStdinRequest request, ServerCallContext context)
    {
        var process = Find(request.Selector);
        if (process.Kind == ProcessKind.Pty)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "PTY input goes through Pty.Open");
        }

        if (!request.Data.IsEmpty && !await Task.Run(() => process.WriteInput(request.Data.Span), context.CancellationToken).ConfigureAwait(false))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "stdin is closed");
        }

        if (request.Close)
        {
            process.CloseInput();
        }

        return new WriteStdinReply();
    }

    private GuestProcess Find(string selector) =>
        table.Find(selector) ?? throw AgentErrors.Exception(AgentErrorCode.NotFound, "no such process");

    private static ProcessEvent ToEvent(OutputEvent item) => item.Exited is { } exited
        ? new ProcessEvent { Exited = exited }
        : new ProcessEvent { Output = new Output { Stream = item.Stream, Data = item.Data } };
}
