using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// Firecracker's HTTP API on its Unix socket (firecracker.yaml in its repository): JSON bodies,
/// 204 on success, 4xx with a <c>fault_message</c> on failure, which becomes a <see cref="VmmException"/>.
/// </summary>
internal sealed class FirecrackerApi : IDisposable
{
    private readonly HttpClient _http;

    public FirecrackerApi(string socketPath, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = timeout };
    }

    public Task PutAsync(string path, JsonObject body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task PatchAsync(string path, JsonObject body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Patch, path, body, cancellationToken);

    public async Task<JsonObject> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "GET", path, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false)
            ?? throw new VmmException($"Firecracker GET {path} returned no body");
    }

    public void Dispose() => _http.Dispose();

    private async Task SendAsync(HttpMethod method, string path, JsonObject body, CancellationToken cancellationToken)
    {
        // A buffered body: Firecracker's HTTP server needs a Content-Length and has no chunked encoding.
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, method.Method, path, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? fault = null;
        try
        {
            var error = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false);
            fault = error?["fault_message"]?.GetValue<string>();
        }
        catch (JsonException)
        {
        }

        // Logged by callers; never sent to API clients as is (ErrorReplies maps VmmException to a generic message).
        throw new VmmException($"Firecracker {method} {path} failed ({(int)response.StatusCode}): {fault ?? "no fault message"}");
    }
}
