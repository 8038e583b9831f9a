using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.ControlPlane.Api;
using AgentApi = Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// envd's process service on the guest agent's Processes service. A process started here lives
/// on when its stream's client goes away (E2B's processes outlive their stream); the call's
/// <c>Connect-Timeout-Ms</c> is the process's deadline, at which it is killed and the stream ends
/// <c>deadline_exceeded</c>. Output is relayed as it comes, with a keepalive event after each
/// <c>Keepalive-Ping-Interval</c> seconds without any.
/// </summary>
internal sealed class ProcessRpc(Terminals terminals, SandboxEnds ends, TimeProvider time)
{
    private static readonly StartResponse Keepalive = new() { Event = new ProcessEvent { Keepalive = new ProcessEvent.Types.KeepAlive() } };

    /// <summary>The service's methods, each with its metrics route.</summary>
    public static readonly RpcMethods<ProcessRpc> Methods = new("/process.Process/", new()
    {
        ["Start"] = (rpc, context, call) => rpc.StartAsync(context, call),
        ["Connect"] = (rpc, context, call) => rpc.ConnectAsync(context, call),
        ["List"] = (_, context, call) => ListAsync(context, call),
        ["SendInput"] = (_, context, call) => SendInputAsync(context, call),
        ["CloseStdin"] = (_, context, call) => CloseStdinAsync(context, call),
        ["SendSignal"] = (_, context, call) => SendSignalAsync(context, call),
        ["Update"] = (_, context, call) => UpdateAsync(context, call),
        ["StreamInput"] = (_, _, _) => throw ConnectException.Unimplemented("client-streamed input"),
    });

    public Task ServeAsync(HttpContext context, SandboxCall call, string method) => Methods.ServeAsync(this, context, call, method);

    private async Task StartAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, StartRequest.Parser, streaming: true).ConfigureAwait(false);
        var config = request.Process ?? throw ConnectException.Invalid("process is required");
        if (config.Cmd.Length == 0)
        {
            throw ConnectException.Invalid("process.cmd is required");
        }

        var timeout = ConnectWire.TimeoutOf(context.Request);
        var cwd = config.HasCwd ? config.Cwd : string.Empty;
        var tag = request.HasTag ? request.Tag : string.Empty;
        if (request.Pty is { } pty)
        {
            var start = new AgentApi.PtyStart
            {
                Cmd = config.Cmd, Cwd = cwd, User = call.User, Tag = tag.Length > 0 ? tag : "pty-" + Guid.NewGuid().ToString("N")[..12],
                Cols = Math.Clamp(pty.Size?.Cols ?? 80, 1, 1000), Rows = Math.Clamp(pty.Size?.Rows ?? 24, 1, 1000),
            };
            start.Args.AddRange(config.Args);
            start.Envs.Add(call.Environment(config.Envs));
            var terminal = await terminals.StartAsync(call.Record, start, call.Session.Token).ConfigureAwait(false);
            await WatchTerminalAsync(context, call, terminal, timeout).ConfigureAwait(false);
            return;
        }

        var process = new AgentApi.StartRequest
        {
            Cmd = config.Cmd,
            Cwd = cwd,
            User = call.User,
            Tag = tag,
            Kind = AgentApi.ProcessKind.Stream,
            StdinOpen = request.HasStdin && request.Stdin,
            DetachKills = false,
            TimeoutSec = timeout is { } limit ? (uint)Math.Ceiling(limit.TotalSeconds) : 0,
        };
        process.Args.AddRange(config.Args);
        process.Envs.Add(call.Environment(config.Envs));
        var session = call.Session;
        using var events = session.Agent.Processes.Start(process, cancellationToken: session.Token);
        await RelayAsync(context, call, FromAgent(events.ResponseStream, session.Token), "process " + config.Cmd).ConfigureAwait(false);
    }

    private async Task ConnectAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, ConnectRequest.Parser, streaming: true).ConfigureAwait(false);
        var session = call.Session;
        if (request.Process?.SelectorCase == ProcessSelector.SelectorOneofCase.Pid
            && (terminals.Find(call.Record.Id, request.Process.Pid) ?? await TakeOverAsync(call, request.Process.Pid).ConfigureAwait(false)) is { } terminal)
        {
            await WatchTerminalAsync(context, call, terminal, ConnectWire.TimeoutOf(context.Request)).ConfigureAwait(false);
            return;
        }

        using var events = session.Agent.Processes.Attach(new AgentApi.AttachRequest { Selector = SelectorOf(request.Process), LiveOnly = true },
            cancellationToken: session.Token);
        await RelayAsync(context, call, FromAgent(events.ResponseStream, session.Token), "process").ConfigureAwait(false);
    }

    /// <summary>The capsule's terminal of <paramref name="pid"/>, taken over here; null when the pid is no terminal.</summary>
    private async Task<Terminal?> TakeOverAsync(SandboxCall call, uint pid)
    {
        var session = call.Session;
        var listed = await session.CallAsync(() => session.Agent.Processes.ListAsync(new AgentApi.ListProcessesRequest(), cancellationToken: session.Token).ResponseAsync)
            .ConfigureAwait(false);
        return listed.Processes.Any(process => process.Pid == pid && process.Kind == AgentApi.ProcessKind.Pty)
            ? await terminals.TakeOverAsync(call.Record, pid, session.Token).ConfigureAwait(false)
            : null;
    }

    /// <summary>Streams a terminal's output to this call until it ends; at <paramref name="deadline"/> the terminal is killed.</summary>
    private async Task WatchTerminalAsync(HttpContext context, SandboxCall call, Terminal terminal, TimeSpan? deadline)
    {
        var watcher = terminal.Watch();
        try
        {
            await RelayAsync(context, call, FromTerminal(terminal, watcher, deadline, call.Session.Token), "terminal").ConfigureAwait(false);
        }
        finally
        {
            terminal.Unwatch(watcher);
        }
    }

    /// <summary>One event for envd's stream: a message, or the end at the process's deadline.</summary>
    private readonly record struct EnvdEvent(StartResponse? Message, bool TimedOut = false);

    /// <summary>
    /// A process's events in envd's form. A failure before the first event is the call's error
    /// (<see cref="ConnectWire.WriteErrorAsync"/>); after it, the end-of-stream frame carries it.
    /// </summary>
    private async Task RelayAsync(HttpContext context, SandboxCall call, IAsyncEnumerable<EnvdEvent> source, string subject)
    {
        var session = call.Session;
        var response = context.Response;
        var keepalive = ConnectWire.KeepaliveOf(context.Request);
        var cancellation = session.Token;
        ConnectException? ending = null;
        // Its own token: a read still waiting when the relay ends is cancelled and waited for, since
        // an async iterator cannot be disposed in the middle of a read.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var events = source.GetAsyncEnumerator(stop.Token);
        Task<bool>? pending = null;
        await using (events.ConfigureAwait(false))
        {
            try
            {
                if (!await session.CallAsync(() => events.MoveNextAsync().AsTask(), subject, lookup: true).ConfigureAwait(false))
                {
                    throw new ConnectException(ConnectCode.Internal, "the guest agent sent no event");
                }

                await ConnectWire.BeginStreamAsync(response).ConfigureAwait(false);
                while (true)
                {
                    if (events.Current.Message is { } message)
                    {
                        await ConnectWire.WriteMessageAsync(response, message, cancellation).ConfigureAwait(false);
                    }

                    if (events.Current.TimedOut)
                    {
                        ending = new ConnectException(ConnectCode.DeadlineExceeded, "the command's deadline passed; it was killed");
                        break;
                    }

                    var next = pending = events.MoveNextAsync().AsTask();
                    await ConnectWire.KeepAliveUntilAsync(next, response, Keepalive, keepalive, time, cancellation).ConfigureAwait(false);
                    if (!await next.ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }
            catch (ApiException error) when (response.HasStarted)
            {
                ending = ConnectCodes.From(error);
            }
            catch (RpcException) when (response.HasStarted && session.Token.IsCancellationRequested)
            {
                // The agent's call broke because the sandbox is being paused or killed.
                await ends.CutAsync(context, call.Record.Id).ConfigureAwait(false);
                return;
            }
            catch (RpcException error) when (response.HasStarted)
            {
                ending = ConnectCodes.From(session.Fail(error, subject));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; the process lives on.
                return;
            }
            catch (OperationCanceledException) when (response.HasStarted)
            {
                // The sandbox is being paused or killed (its session ended).
                await ends.CutAsync(context, call.Record.Id).ConfigureAwait(false);
                return;
            }
            finally
            {
                if (pending is { IsCompleted: false })
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }

        if (response.HasStarted)
        {
            await ConnectWire.EndStreamAsync(response, ending, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A process's events from the agent in envd's form. Its exit is the last: the stream ends
    /// there, without waiting for the agent's call to close behind it (a round trip into the guest,
    /// milliseconds under emulation), as Wrenn's own exec does.
    /// </summary>
    private static async IAsyncEnumerable<EnvdEvent> FromAgent(IAsyncStreamReader<AgentApi.ProcessEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await events.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var converted = ToEnvd(events.Current, out var timedOut);
            if (converted is not null || timedOut)
            {
                yield return new EnvdEvent(converted, timedOut);
            }

            if (events.Current.EventCase == AgentApi.ProcessEvent.EventOneofCase.Exited)
            {
                yield break;
            }
        }
    }

    /// <summary>A terminal's events: its pid first (E2B's start event), then output as <c>data.pty</c>, then its end.</summary>
    private static async IAsyncEnumerable<EnvdEvent> FromTerminal(Terminal terminal, ChannelReader<AgentApi.PtyServerMessage> watcher, TimeSpan? deadline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new EnvdEvent(new StartResponse { Event = new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = (uint)terminal.Pid } } });
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } after)
        {
            limit.CancelAfter(after);
        }

        while (true)
        {
            AgentApi.PtyServerMessage message;
            try
            {
                if (!await watcher.WaitToReadAsync(limit.Token).ConfigureAwait(false) || !watcher.TryRead(out message!))
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (message.MessageCase == AgentApi.PtyServerMessage.MessageOneofCase.Output)
            {
                yield return new EnvdEvent(new StartResponse { Event = new ProcessEvent { Data = new ProcessEvent.Types.DataEvent { Pty = message.Output } } });
            }
            else if (message.MessageCase == AgentApi.PtyServerMessage.MessageOneofCase.Exited)
            {
                yield return new EnvdEvent(ToEnvd(new AgentApi.ProcessEvent { Exited = message.Exited }, out var timedOut), timedOut);
                yield break;
            }
        }

        // The deadline passed: the terminal is killed, and the stream ends deadline_exceeded.
        await terminal.SendAsync(new AgentApi.PtyClientMessage { Kill = true }, cancellationToken).ConfigureAwait(false);
        yield return new EnvdEvent(null, TimedOut: true);
    }

    /// <summary>envd's event for the agent's (a Start and a Connect stream share its shape); <paramref name="timedOut"/>: the process was killed at its deadline.</summary>
    private static StartResponse? ToEnvd(AgentApi.ProcessEvent agentEvent, out bool timedOut)
    {
        timedOut = false;
        var envdEvent = new ProcessEvent();
        switch (agentEvent.EventCase)
        {
            case AgentApi.ProcessEvent.EventOneofCase.Started:
                envdEvent.Start = new ProcessEvent.Types.StartEvent { Pid = (uint)agentEvent.Started.Pid };
                break;
            case AgentApi.ProcessEvent.EventOneofCase.Output:
                var output = agentEvent.Output;
                envdEvent.Data = output.Stream == AgentApi.OutputStream.Stderr
                    ? new ProcessEvent.Types.DataEvent { Stderr = output.Data }
                    : new ProcessEvent.Types.DataEvent { Stdout = output.Data };
                break;
            case AgentApi.ProcessEvent.EventOneofCase.Exited:
                var exited = agentEvent.Exited;
                if (exited.TimedOut)
                {
                    timedOut = true;
                    return null;
                }

                envdEvent.End = new ProcessEvent.Types.EndEvent
                {
                    ExitCode = exited.ExitCode,
                    Exited = exited.Signal == 0,
                    Status = exited.Signal == 0
                        ? string.Create(CultureInfo.InvariantCulture, $"exit status {exited.ExitCode}")
                        : "signal: " + SignalName(exited.Signal),
                };
                break;
            default:
                return null;
        }

        return new StartResponse { Event = envdEvent };
    }

    private static string SignalName(int signal) => signal switch
    {
        9 => "killed",
        15 => "terminated",
        2 => "interrupt",
        1 => "hangup",
        _ => string.Create(CultureInfo.InvariantCulture, $"signal {signal}"),
    };

    private static async Task ListAsync(HttpContext context, SandboxCall call)
    {
        _ = await ConnectWire.ReadRequestAsync(context.Request, ListRequest.Parser, streaming: false).ConfigureAwait(false);
        var session = call.Session;
        var reply = await session.CallAsync(() => session.Agent.Processes.ListAsync(new AgentApi.ListProcessesRequest(), cancellationToken: session.Token).ResponseAsync)
            .ConfigureAwait(false);
        var list = new ListResponse();
        foreach (var process in reply.Processes.OrderBy(process => process.StartedAtUnixMs))
        {
            var config = new ProcessConfig { Cmd = process.Cmd };
            config.Args.AddRange(process.Args);
            list.Processes.Add(new ProcessInfo { Config = config, Pid = (uint)process.Pid, Tag = process.Tag });
        }

        await ConnectWire.WriteUnaryAsync(context.Response, list).ConfigureAwait(false);
    }

    private static async Task SendInputAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, SendInputRequest.Parser, streaming: false).ConfigureAwait(false);
        switch (request.Input?.InputCase)
        {
            case ProcessInput.InputOneofCase.Stdin:
                await WriteStdinAsync(call, request.Process, request.Input.Stdin, close: false).ConfigureAwait(false);
                break;
            case ProcessInput.InputOneofCase.Pty:
                await SendToTerminalAsync(call, request.Process, new AgentApi.PtyClientMessage { Input = request.Input.Pty }).ConfigureAwait(false);
                break;
            default:
                throw ConnectException.Invalid("input must be stdin or pty");
        }

        await ConnectWire.WriteUnaryAsync(context.Response, new SendInputResponse()).ConfigureAwait(false);
    }

    /// <summary>Resizes a terminal (E2B's only update).</summary>
    private static async Task UpdateAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, UpdateRequest.Parser, streaming: false).ConfigureAwait(false);
        if (request.Pty?.Size is { } size)
        {
            var resize = new AgentApi.PtyResize { Cols = Math.Clamp(size.Cols, 1, 1000), Rows = Math.Clamp(size.Rows, 1, 1000) };
            await SendToTerminalAsync(call, request.Process, new AgentApi.PtyClientMessage { Resize = resize }).ConfigureAwait(false);
        }

        await ConnectWire.WriteUnaryAsync(context.Response, new UpdateResponse()).ConfigureAwait(false);
    }

    /// <summary>Input or a resize for a terminal, whichever control plane holds it (the agent's unary <c>Pty.Send</c>).</summary>
    private static async Task SendToTerminalAsync(SandboxCall call, ProcessSelector? selector, AgentApi.PtyClientMessage message)
    {
        var session = call.Session;
        var send = new AgentApi.PtySendRequest { Selector = SelectorOf(selector), Message = message };
        await session.CallAsync(() => session.Agent.Pty.SendAsync(send, cancellationToken: session.Token).ResponseAsync, "terminal", lookup: true)
            .ConfigureAwait(false);
    }

    private static async Task CloseStdinAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, CloseStdinRequest.Parser, streaming: false).ConfigureAwait(false);
        await WriteStdinAsync(call, request.Process, ByteString.Empty, close: true).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new CloseStdinResponse()).ConfigureAwait(false);
    }

    private static async Task WriteStdinAsync(SandboxCall call, ProcessSelector? selector, ByteString data, bool close)
    {
        var session = call.Session;
        var request = new AgentApi.WriteStdinRequest { Selector = SelectorOf(selector), Data = data, Close = close };
        await session.CallAsync(() => session.Agent.Processes.WriteStdinAsync(request, cancellationToken: session.Token).ResponseAsync, "process " + request.Selector)
            .ConfigureAwait(false);
    }

    private static async Task SendSignalAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, SendSignalRequest.Parser, streaming: false).ConfigureAwait(false);
        var signal = request.Signal switch
        {
            Signal.Sigkill => 9,
            Signal.Sigterm => 15,
            _ => throw ConnectException.Invalid("signal must be SIGNAL_SIGKILL or SIGNAL_SIGTERM"),
        };
        var session = call.Session;
        var selector = SelectorOf(request.Process);
        await session.CallAsync(() => session.Agent.Processes.SignalAsync(new AgentApi.SignalRequest { Selector = selector, Signal = signal }, cancellationToken: session.Token)
            .ResponseAsync, "process " + selector).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new SendSignalResponse()).ConfigureAwait(false);
    }

    /// <summary>The agent's selector: a pid's digits or a tag (which cannot be all digits there).</summary>
    private static string SelectorOf(ProcessSelector? selector) => selector?.SelectorCase switch
    {
        ProcessSelector.SelectorOneofCase.Pid => selector.Pid.ToString(CultureInfo.InvariantCulture),
        ProcessSelector.SelectorOneofCase.Tag when selector.Tag.Length > 0 && !selector.Tag.All(char.IsAsciiDigit) => selector.Tag,
        _ => throw ConnectException.Invalid("process must name a pid or a tag"),
    };
}
