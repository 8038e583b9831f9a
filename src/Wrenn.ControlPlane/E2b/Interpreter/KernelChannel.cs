using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Wrenn.ControlPlane.E2b.Interpreter;

/// <summary>
/// One WebSocket to a Jupyter kernel's channels, speaking the kernel messaging protocol (v5):
/// <c>execute_request</c> on the shell channel, then the kernel's iopub messages for it until its
/// <c>idle</c> status.
/// </summary>
internal sealed class KernelChannel(WebSocket socket, TimeProvider time) : IAsyncDisposable
{
    private const int MaxMessageBytes = 64 * 1024 * 1024;
    private readonly string _session = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Runs <paramref name="code"/> and yields the iopub messages it causes (stream,
    /// execute_input, execute_result, display_data, error), ending at the kernel's idle status.
    /// <paramref name="firstQuietly"/> and <paramref name="thenQuietly"/>, when given, are queued
    /// silently right before and behind it, all sent before any reply is awaited: the kernel takes
    /// requests in order, so they run around the code whether that fails or its caller leaves.
    /// </summary>
    public async IAsyncEnumerable<(string Type, JsonObject Content)> ExecuteAsync(string code, bool silent, string? firstQuietly, string? thenQuietly,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A failure with stop_on_error would have the kernel drop what is queued behind it.
        if (firstQuietly is not null)
        {
            await SendExecuteAsync(firstQuietly, silent: true, stopOnError: false, cancellationToken).ConfigureAwait(false);
        }

        var id = await SendExecuteAsync(code, silent, stopOnError: thenQuietly is null, cancellationToken).ConfigureAwait(false);
        if (thenQuietly is not null)
        {
            await SendExecuteAsync(thenQuietly, silent: true, stopOnError: false, cancellationToken).ConfigureAwait(false);
        }

        while (await ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            if (message["parent_header"]?["msg_id"]?.GetValue<string>() != id || message["channel"]?.GetValue<string>() != "iopub")
            {
                continue;
            }

            var type = message["header"]?["msg_type"]?.GetValue<string>() ?? string.Empty;
            var content = message["content"] as JsonObject ?? [];
            if (type == "status" && content["execution_state"]?.GetValue<string>() == "idle")
            {
                yield break;
            }

            yield return (type, content);
        }

        throw new InterpreterException(StatusCodes.Status502BadGateway, "the kernel closed its channels");
    }

    /// <summary>Runs code that is not the user's (setting the environment, the working directory): silent, out of the history; its error is the interpreter's.</summary>
    public async Task RunQuietlyAsync(string code, CancellationToken cancellationToken)
    {
        await foreach (var (type, _) in ExecuteAsync(code, silent: true, firstQuietly: null, thenQuietly: null, cancellationToken).ConfigureAwait(false))
        {
            if (type == "error")
            {
                throw new InterpreterException(StatusCodes.Status400BadRequest, "the context could not be prepared (is its working directory there?)");
            }
        }
    }

    private async Task<string> SendExecuteAsync(string code, bool silent, bool stopOnError, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var message = new JsonObject
        {
            ["header"] = new JsonObject
            {
                ["msg_id"] = id, ["username"] = "wrenn", ["session"] = _session, ["msg_type"] = "execute_request", ["version"] = "5.3",
                ["date"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            },
            ["parent_header"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["content"] = new JsonObject
            {
                ["code"] = code, ["silent"] = silent, ["store_history"] = !silent, ["user_expressions"] = new JsonObject(),
                ["allow_stdin"] = false, ["stop_on_error"] = stopOnError,
            },
            ["channel"] = "shell",
            ["buffers"] = new JsonArray(),
        };
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        return id;
    }

    private async Task<JsonObject?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var received = await socket.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Advance(received.Count);
            if (buffer.WrittenCount > MaxMessageBytes)
            {
                throw new InterpreterException(StatusCodes.Status502BadGateway, "a kernel message was too large");
            }

            if (received.EndOfMessage)
            {
                return received.MessageType == WebSocketMessageType.Text ? JsonNode.Parse(buffer.WrittenSpan) as JsonObject ?? [] : [];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }

        socket.Dispose();
    }
}
