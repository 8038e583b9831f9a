using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Streams;

/// <summary>An accepted stream: its socket and its hold on the running capsule.</summary>
internal sealed record AdmittedStream(StreamSocket Socket, GuestSession Session) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Socket.DisposeAsync().ConfigureAwait(false);
        Session.Dispose();
    }
}

/// <summary>
/// Admits a stream WebSocket (spec §4.10, §2.3): with credentials in the headers, auth, capsule,
/// status and route checks are answered as HTTP errors before upgrading; without, the socket is
/// upgraded and must authenticate with its first message within 5 s.
/// </summary>
internal sealed class StreamAdmission(Authenticator authenticator, GuestAccess access)
{
    private static readonly TimeSpan AuthWindow = TimeSpan.FromSeconds(5);

    /// <param name="http">The upgrade request.</param>
    /// <param name="id">The capsule id from the path.</param>
    /// <param name="pty">PTY protocol: its errors carry <c>fatal</c>.</param>
    /// <param name="check">Route-specific checks on the running capsule (throwing <see cref="ApiException"/>).</param>
    /// <returns>The admitted stream, or null when the socket was already answered and closed.</returns>
    public async Task<AdmittedStream?> AcceptAsync(HttpContext http, string id, bool pty, Func<GuestSession, Task>? check = null)
    {
        ApiException.Require(http.WebSockets.IsWebSocketRequest, "this route needs a WebSocket upgrade");
        var headers = http.Request.Headers;
        if (headers.ContainsKey("X-API-Key") || headers.ContainsKey("Authorization"))
        {
            var caller = await authenticator.AuthenticateAsync(http, CredentialKinds.KeyOrSession).ConfigureAwait(false);
            var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
            try
            {
                if (check is not null)
                {
                    await check(session).ConfigureAwait(false);
                }

                return new AdmittedStream(new StreamSocket(await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false)), session);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        var socket = new StreamSocket(await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false));
        var fatal = pty ? true : (bool?)null;
        Caller authenticated;
        try
        {
            authenticated = await AuthenticateFirstMessageAsync(socket, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ApiException or OperationCanceledException or WebSocketException)
        {
            await socket.EndAsync(StreamSocket.Error("authentication failed", fatal), WebSocketCloseStatus.PolicyViolation).ConfigureAwait(false);
            await socket.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        GuestSession? opened = null;
        try
        {
            opened = await access.OpenAsync(authenticated, id, http.RequestAborted).ConfigureAwait(false);
            if (check is not null)
            {
                await check(opened).ConfigureAwait(false);
            }

            return new AdmittedStream(socket, opened);
        }
        catch (ApiException exception)
        {
            opened?.Dispose();
            await socket.EndAsync(StreamSocket.Error(exception.Message, fatal), WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
            await socket.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Admits a WebSocket that is not a capsule's (a build's log) the same way: credentials in the
    /// headers are checked, with <paramref name="check"/>, before upgrading; otherwise the first
    /// message authenticates. Null when the socket was already answered and closed.
    /// </summary>
    public async Task<(Caller Caller, StreamSocket Socket)?> AcceptAsync(HttpContext http, Func<Caller, Task> check)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(check);
        ApiException.Require(http.WebSockets.IsWebSocketRequest, "this route needs a WebSocket upgrade");
        if (http.Request.Headers.ContainsKey("X-API-Key") || http.Request.Headers.ContainsKey("Authorization"))
        {
            var caller = await authenticator.AuthenticateAsync(http, CredentialKinds.KeyOrSession).ConfigureAwait(false);
            await check(caller).ConfigureAwait(false);
            return (caller, new StreamSocket(await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false)));
        }

        var socket = new StreamSocket(await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false));
        try
        {
            var caller = await AuthenticateFirstMessageAsync(socket, http.RequestAborted).ConfigureAwait(false);
            await check(caller).ConfigureAwait(false);
            return (caller, socket);
        }
        catch (Exception exception) when (exception is ApiException or OperationCanceledException or WebSocketException)
        {
            await socket.EndAsync(StreamSocket.Error(exception is ApiException { Code: not ApiErrorCode.Unauthorized } api ? api.Message : "authentication failed"),
                WebSocketCloseStatus.PolicyViolation).ConfigureAwait(false);
            await socket.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    private async Task<Caller> AuthenticateFirstMessageAsync(StreamSocket socket, CancellationToken aborted)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        window.CancelAfter(AuthWindow);
        var first = await socket.ReceiveAsync(window.Token).ConfigureAwait(false);
        if (first is { ValueKind: JsonValueKind.Object } message
            && message.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "auth"
            && message.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String)
        {
            return await authenticator.AuthenticateTokenAsync(token.GetString()!, window.Token).ConfigureAwait(false);
        }

        throw new ApiException(ApiErrorCode.Unauthorized, "the first message must authenticate");
    }
}
