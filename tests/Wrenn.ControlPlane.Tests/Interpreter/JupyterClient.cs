using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.ControlPlane.Tests.Interpreter;

/// <summary>What one <c>run_code</c> produced, as the SDK's Execution object holds it.</summary>
public sealed record Execution(
    IReadOnlyList<string> Stdout,
    IReadOnlyList<string> Stderr,
    string? Text,
    IReadOnlyList<JsonObject> Displays,
    (string Name, string Value, string Traceback)? Error,
    int? ExecutionCount);

/// <summary>
/// The hosted Wrenn Python SDK's code interpreter, re-enacted over the wire (docs/builds.md,
/// "code-runner-beta"): every request carries only X-API-Key and goes to
/// <c>{port}-{capsule}.{domain}</c> through the port proxy; kernel discovery retries 5xx and
/// connection failures every 0.5 s for 30 s, takes the kernel named "wrenn" or starts one, and each
/// run_code opens the kernel's channels WebSocket, sends one execute_request and reads until the
/// kernel's idle status for it.
/// </summary>
public sealed class JupyterClient(Uri server, string capsuleId, string apiKey, string kernelName = "wrenn") : IDisposable
{
    private const int JupyterPort = 8888;
    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
    private string? _kernelId;

    public string ProxyHost => $"{JupyterPort}-{capsuleId}.localhost:{server.Port}";

    /// <summary>The kernel run_code uses, found or started as the SDK does.</summary>
    public async Task<string> KernelAsync(TimeSpan? timeout = null)
    {
        if (_kernelId is not null)
        {
            return _kernelId;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var listed = await _http.SendAsync(Request(HttpMethod.Get, "/api/kernels"));
                if ((int)listed.StatusCode < 500)
                {
                    listed.EnsureSuccessStatusCode();
                    var kernels = await listed.Content.ReadFromJsonAsync<JsonElement>();
                    var found = kernels.EnumerateArray().FirstOrDefault(kernel => kernel.GetProperty("name").GetString() == kernelName);
                    if (found.ValueKind == JsonValueKind.Object)
                    {
                        return _kernelId = found.GetProperty("id").GetString()!;
                    }

                    var start = Request(HttpMethod.Post, "/api/kernels");
                    start.Content = JsonContent.Create(new { name = kernelName });
                    using var started = await _http.SendAsync(start);
                    if ((int)started.StatusCode < 500)
                    {
                        started.EnsureSuccessStatusCode();
                        return _kernelId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException { StatusCode: null } or TaskCanceledException or JsonException)
            {
                // Not reachable yet: retried, as the SDK does.
            }

            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("Jupyter not available within the timeout");
            }

            await Task.Delay(500);
        }
    }

    public async Task<HttpStatusCode> StatusOfAsync(HttpMethod method, string path)
    {
        using var reply = await _http.SendAsync(Request(method, path));
        return reply.StatusCode;
    }

    public async Task<Execution> RunCodeAsync(string code, TimeSpan? timeout = null)
    {
        var kernel = await KernelAsync();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", ProxyHost);
        socket.Options.SetRequestHeader("X-API-Key", apiKey);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/api/kernels/{kernel}/channels"), deadline.Token);
        var msgId = Guid.NewGuid().ToString();
        var request = new JsonObject
        {
            ["header"] = new JsonObject
            {
                ["msg_id"] = msgId, ["msg_type"] = "execute_request", ["username"] = "wrenn-sdk", ["session"] = Guid.NewGuid().ToString(),
                ["date"] = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.000Z", System.Globalization.CultureInfo.InvariantCulture), ["version"] = "5.3",
            },
            ["parent_header"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["content"] = new JsonObject
            {
                ["code"] = code, ["silent"] = false, ["store_history"] = true, ["user_expressions"] = new JsonObject(),
                ["allow_stdin"] = false, ["stop_on_error"] = true,
            },
            ["buffers"] = new JsonArray(),
            ["channel"] = "shell",
        };
        await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, deadline.Token);

        var stdout = new List<string>();
        var stderr = new List<string>();
        var displays = new List<JsonObject>();
        string? text = null;
        (string, string, string)? error = null;
        int? count = null;
        while (true)
        {
            var message = await ReceiveAsync(socket, deadline.Token);
            if (message["parent_header"]?["msg_id"]?.GetValue<string>() != msgId)
            {
                continue;
            }

            var content = message["content"]!.AsObject();
            switch (message["msg_type"]?.GetValue<string>() ?? message["header"]!["msg_type"]!.GetValue<string>())
            {
                case "stream":
                    (content["name"]!.GetValue<string>() == "stderr" ? stderr : stdout).Add(content["text"]!.GetValue<string>());
                    break;
                case "execute_result":
                    text = content["data"]?["text/plain"]?.GetValue<string>();
                    count = content["execution_count"]?.GetValue<int>();
                    break;
                case "display_data":
                    displays.Add(content["data"]!.AsObject());
                    break;
                case "error":
                    error = (content["ename"]!.GetValue<string>(), content["evalue"]!.GetValue<string>(),
                        string.Join('\n', content["traceback"]!.AsArray().Select(line => line!.GetValue<string>())));
                    break;
                case "status" when content["execution_state"]?.GetValue<string>() == "idle":
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return new Execution(stdout, stderr, text, displays, error, count);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = ProxyHost;
        request.Headers.Add("X-API-Key", apiKey);
        return request;
    }

    private static async Task<JsonObject> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(chunk, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("the kernel WebSocket closed");
            }

            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(buffer.ToArray())!.AsObject();
    }
}
