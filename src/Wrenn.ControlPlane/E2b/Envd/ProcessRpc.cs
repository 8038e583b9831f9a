using System.Globalization;
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
internal sealed class ProcessRpc(TimeProvider time)
{
    private static readonly TimeSpan DefaultKeepalive = TimeSpan.FromSeconds(90);

    public Task ServeAsync(HttpContext context, SandboxCall call, string method) => method switch
    {
        "Start" => StartAsync(context, call),
        "Connect" => ConnectAsync(context, call),
        "List" => ListAsync(context, call),
        "SendInput" => SendInputAsync(context, call),
        "CloseStdin" => CloseStdinAsync(context, call),
        "SendSignal" => SendSignalAsync(context, call),
        "Update" => throw ConnectException.Unimplemented("resizing a terminal"),
        "StreamInput" => throw ConnectException.Unimplemented("client-streamed input"),
        _ => throw new ConnectException(ConnectCode.Unimplemented, "no such method"),
    };

    private async Task StartAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, StartRequest.Parser, streaming: true).ConfigureAwait(false);
        if (request.Pty is not null)
        {
            throw ConnectException.Unimplemented("a terminal (pty)");
        }

        var config = request.Process ?? throw ConnectException.Invalid("process is required");
        if (config.Cmd.Length == 0)
        {
            throw ConnectException.Invalid("process.cmd is required");
        }

        var timeout = ConnectWire.TimeoutOf(context.Request);
        var start = new AgentApi.StartRequest
        {
            Cmd = config.Cmd,
            Cwd = call.Resolve(config.HasCwd ? config.Cwd : string.Empty),
            User = call.User,
            Tag = request.HasTag ? request.Tag : string.Empty,
            Kind = AgentApi.ProcessKind.Stream,
            StdinOpen = request.HasStdin && request.Stdin,
            DetachKills = false,
            TimeoutSec = timeout is { } limit ? (uint)Math.Ceiling(limit.TotalSeconds) : 0,
        };
        start.Args.AddRange(config.Args);
        start.Envs.Add(call.Environment(config.Envs));
        var session = call.Session;
        using var events = session.Agent.Processes.Start(start, cancellationToken: session.Token);
        await RelayAsync(context, call, events.ResponseStream, "process " + config.Cmd).ConfigureAwait(false);
    }

    private async Task ConnectAsync(HttpContext context, SandboxCall call)
    {
        var request = await ConnectWire.ReadRequestAsync(context.Request, ConnectRequest.Parser, streaming: true).ConfigureAwait(false);
        var session = call.Session;
        using var events = session.Agent.Processes.Attach(new AgentApi.AttachRequest { Selector = SelectorOf(request.Process) }, cancellationToken: session.Token);
        await RelayAsync(context, call, events.ResponseStream, "process").ConfigureAwait(false);
    }

    /// <summary>
    /// The stream of a process's events in envd's form. Failures before the first event are unary
    /// errors of the call's HTTP reply; after it, the end-of-stream frame carries them.
    /// </summary>
    private async Task RelayAsync(HttpContext context, SandboxCall call, IAsyncStreamReader<AgentApi.ProcessEvent> events, string subject)
    {
        var session = call.Session;
        var response = context.Response;
        var keepalive = KeepaliveOf(context.Request);
        var cancellation = session.Token;
        ConnectException? ending = null;
        try
        {
            var next = events.MoveNext(cancellation);
            if (!await session.CallAsync(() => next, subject, lookup: true).ConfigureAwait(false))
            {
                throw new ConnectException(ConnectCode.Internal, "the guest agent sent no event");
            }

            await ConnectWire.BeginStreamAsync(response).ConfigureAwait(false);
            while (true)
            {
                if (ToEnvd(events.Current, out var timedOut) is { } message)
                {
                    await ConnectWire.WriteMessageAsync(response, message, cancellation).ConfigureAwait(false);
                }

                if (timedOut)
                {
                    ending = new ConnectException(ConnectCode.DeadlineExceeded, "the command's deadline passed; it was killed");
                    break;
                }

                next = events.MoveNext(cancellation);
                await KeepAliveUntilAsync(next, response, keepalive, cancellation).ConfigureAwait(false);
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
            ending = new ConnectException(ConnectCode.Unavailable, "the sandbox was paused or killed");
        }

        if (response.HasStarted)
        {
            await ConnectWire.EndStreamAsync(response, ending, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a keepalive event after each <paramref name="interval"/> that passes before <paramref name="next"/> completes.</summary>
    private async Task KeepAliveUntilAsync(Task next, HttpResponse response, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!next.IsCompleted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (await Task.WhenAny(next, Task.Delay(interval, time, wait.Token)).ConfigureAwait(false) == next)
            {
                await wait.CancelAsync().ConfigureAwait(false);
                return;
            }

            await ConnectWire.WriteMessageAsync(response, new StartResponse { Event = new ProcessEvent { Keepalive = new ProcessEvent.Types.KeepAlive() } },
                cancellationToken).ConfigureAwait(false);
        }
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
        if (request.Input?.InputCase != ProcessInput.InputOneofCase.Stdin)
        {
            throw request.Input?.InputCase == ProcessInput.InputOneofCase.Pty
                ? ConnectException.Unimplemented("a terminal (pty)")
                : ConnectException.Invalid("input.stdin is required");
        }

        await WriteStdinAsync(call, request.Process, request.Input.Stdin, close: false).ConfigureAwait(false);
        await ConnectWire.WriteUnaryAsync(context.Response, new SendInputResponse()).ConfigureAwait(false);
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

    private static TimeSpan KeepaliveOf(HttpRequest request) =>
        int.TryParse(request.Headers["Keepalive-Ping-Interval"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : DefaultKeepalive;
}
