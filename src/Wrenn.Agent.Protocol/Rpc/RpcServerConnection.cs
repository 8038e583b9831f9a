using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// The server's end of one connection: opens a call per Call frame and runs its method on the thread
/// pool, so the connection's reader never waits on a call. Every call first passes
/// <paramref name="authorize"/>, which throws to refuse it.
/// </summary>
public sealed partial class RpcServerConnection(RpcMethodTable methods, IRpcOutput output, Action<Metadata> authorize, ILogger logger)
    : RpcPeer(output)
{
    private readonly ConcurrentDictionary<uint, RpcServerCall> _calls = new();

    public override void OnFrame(RpcFrameHeader header, ReadOnlySpan<byte> payload, byte[]? owned)
    {
        if (header.Stream == 0)
        {
            ThrowIfViolation(header.Kind == RpcFrameKind.Ping, "only pings go on stream 0");
            Post(new RpcFrames().Add(RpcFrameKind.Pong, 0, payload));
            return;
        }

        if (header.Kind == RpcFrameKind.Call)
        {
            Open(header.Stream, RpcCall.Parser.ParseFrom(payload));
            return;
        }

        // A frame of a call that ended here already (its Status crossed the client's Cancel) is dropped.
        if (!_calls.TryGetValue(header.Stream, out var call) || TakeFlowFrame(header, payload, owned, call.Inbox, call.Credit))
        {
            return;
        }

        switch (header.Kind)
        {
            case RpcFrameKind.HalfClose:
                call.Inbox.Complete();
                break;
            case RpcFrameKind.Cancel:
                call.Abandon();
                break;
            default:
                throw new RpcProtocolException($"a {header.Kind} frame sent to the server");
        }
    }

    protected override void OnClosed(Exception reason)
    {
        foreach (var call in _calls.Values)
        {
            call.End(reason);
        }
    }

    private void Open(uint stream, RpcCall opening)
    {
        var call = new RpcServerCall(this, stream, opening.Method, RpcMessages.ToMetadata(opening.Headers));
        ThrowIfViolation(_calls.TryAdd(stream, call), "a call on a stream already in use");
        _ = Task.Run(() => RunAsync(call, methods.Find(opening.Method)));
    }

    private async Task RunAsync(RpcServerCall call, Func<RpcServerCall, Task>? method)
    {
        Status status;
        Metadata trailers = call.ResponseTrailers;
        try
        {
            authorize(call.RequestHeaders);
            if (method is null)
            {
                throw new RpcException(new Status(StatusCode.Unimplemented, "no such method"));
            }

            await method(call).ConfigureAwait(false);
            status = call.Status;
        }
        catch (RpcException exception)
        {
            status = exception.Status;
            trailers = exception.Trailers;
        }
        catch (Exception exception) when (call.CancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            status = new Status(StatusCode.Cancelled, "cancelled");
        }
        catch (Exception exception)
        {
            LogCallFailed(logger, call.Method, exception);
            // Never the exception's text: the guest's internals are not the host's business.
            status = new Status(StatusCode.Unknown, "the call failed");
        }

        _calls.TryRemove(new KeyValuePair<uint, RpcServerCall>(call.Stream, call));
        if (!call.Abandoned && !IsClosed)
        {
            var ending = new RpcStatus { Code = (int)status.StatusCode, Detail = status.Detail };
            RpcMessages.CopyTo(trailers, ending.Trailers);
            using var frames = new RpcFrames().Add(RpcFrameKind.Status, call.Stream, ending);
            try
            {
                await SendAsync(frames).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The connection ended under the call; the client has heard that already.
            }
        }

        call.End(new OperationCanceledException("the call ended"));
        call.Dispose();
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Agent call {Method} failed")]
    private static partial void LogCallFailed(ILogger logger, string method, Exception exception);
}
