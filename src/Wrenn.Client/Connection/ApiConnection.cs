using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Serialization.Metadata;

namespace Wrenn.Client;

/// <summary>
/// The HTTP side every client family shares: the base address, the credential, sending a request
/// and turning an error reply into its typed exception.
/// </summary>
internal sealed class ApiConnection : IDisposable
{
    private const string UserAgent = "wrenn-dotnet/1";

    private readonly HttpClient _http;

    public ApiConnection(WrennClientOptions options)
    {
        Options = options;
        var handler = options.Handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        // Per-request limits come from each call's token: a stream or a long upload must not be cut at a fixed time.
        _http = new HttpClient(handler, disposeHandler: options.Handler is null) { BaseAddress = options.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
    }

    public WrennClientOptions Options { get; }

    /// <summary>
    /// Sends <paramref name="request"/> with the credential; an error reply throws its <see cref="WrennApiException"/>.
    /// <paramref name="streamed"/>: return once the headers are in (the caller reads the body as a stream), without the
    /// per-request time limit. <paramref name="limit"/>: a longer limit than <see cref="WrennClientOptions.Timeout"/> for a
    /// call the server may legitimately hold that long (a foreground exec).
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, bool streamed = false, TimeSpan? limit = null)
    {
        Authorize(request);
        var within = limit is { } longer && longer > Options.Timeout ? longer : Options.Timeout;
        using var timeout = streamed ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout?.CancelAfter(within);
        var token = timeout?.Token ?? cancellationToken;
        HttpResponseMessage reply;
        try
        {
            reply = await _http.SendAsync(request, streamed ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the Wrenn API did not answer {request.Method} {request.RequestUri} within {within.TotalSeconds:0} s");
        }

        if (reply.IsSuccessStatusCode)
        {
            return reply;
        }

        using (reply)
        {
            throw await ErrorReplies.ReadAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a request without a reply body (204).</summary>
    public async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request and reads its JSON reply.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> replyType,
        CancellationToken cancellationToken, Action<HttpRequestMessage>? prepare = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        prepare?.Invoke(request);
        using var reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(reply, replyType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a prepared request and reads its JSON reply (see the first overload for <paramref name="streamed"/> and <paramref name="limit"/>).</summary>
    public async Task<T> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> replyType, CancellationToken cancellationToken, bool streamed = false,
        TimeSpan? limit = null)
    {
        using var reply = await SendAsync(request, cancellationToken, streamed, limit).ConfigureAwait(false);
        return await ReadAsync(reply, replyType, cancellationToken).ConfigureAwait(false);
    }

    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> replyType, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Get, path, null, replyType, cancellationToken);

    /// <summary>A JSON request body.</summary>
    public static JsonContent Json<T>(T body, JsonTypeInfo<T> type) => JsonContent.Create(body, type);

    public static async Task<T> ReadAsync<T>(HttpResponseMessage reply, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        => await reply.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
           ?? throw new InvalidOperationException("the Wrenn API answered with an empty JSON body");

    /// <summary>The ws:// or wss:// address of a WebSocket route.</summary>
    public Uri WebSocketUrl(string path)
    {
        var url = new UriBuilder(new Uri(Options.BaseUrl, path));
        url.Scheme = url.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return url.Uri;
    }

    /// <summary>Opens a WebSocket route with the credential in its upgrade headers; a refused upgrade throws its <see cref="WrennApiException"/>.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("User-Agent", UserAgent);
        if (Options.ApiKey is { } key)
        {
            socket.Options.SetRequestHeader("X-API-Key", key);
        }
        else if (Options.AccessToken is { } token)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            await socket.ConnectAsync(WebSocketUrl(path), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not 0 and not System.Net.HttpStatusCode.SwitchingProtocols)
        {
            // The server refused the upgrade with an ordinary error reply, whose body the socket does not
            // keep: the status names the failure (a 409 before an upgrade is always the capsule's state).
            var status = socket.HttpStatusCode;
            var headers = socket.HttpResponseHeaders;
            socket.Dispose();
            var requestId = headers?.TryGetValue("X-Request-Id", out var ids) == true ? ids.FirstOrDefault() : null;
            var retryAfter = headers?.TryGetValue("Retry-After", out var values) == true && int.TryParse(values.FirstOrDefault(), out var seconds)
                ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            throw ErrorReplies.Create(status, [], requestId, retryAfter, upgrade: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (Options.ApiKey is { } key)
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", key);
        }

        if (Options.AccessToken is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }

    public void Dispose() => _http.Dispose();
}
