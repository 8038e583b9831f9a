using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.ControlPlane.Proxy;

namespace Wrenn.ControlPlane.E2b.Interpreter;

/// <summary>A kernel of the capsule's Jupyter Server: its id and kernel spec name.</summary>
internal sealed record JupyterKernel(string Id, string Name);

/// <summary>
/// The Jupyter Server of a <c>code-runner-beta</c> capsule (guest port 8888, token-less, reached
/// only through the guest agent's tunnels, never exposed): its kernels over REST, and a kernel's
/// channels over a WebSocket.
/// </summary>
internal sealed class JupyterKernels(GuestTunnels tunnels)
{
    public const int Port = 8888;

    /// <summary>The kernel spec of E2B's default context: the warm kernel the template starts.</summary>
    public const string DefaultSpec = "wrenn";

    /// <summary>The kernel spec of contexts made with <c>createCodeContext</c>, which tells them from the default one.</summary>
    public const string ContextSpec = "python3";

    public async Task<IReadOnlyList<JupyterKernel>> ListAsync(string capsuleId, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(capsuleId, HttpMethod.Get, "api/kernels", null, cancellationToken).ConfigureAwait(false);
        var kernels = await reply.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return kernels.EnumerateArray().Select(kernel => new JupyterKernel(kernel.GetProperty("id").GetString()!, kernel.GetProperty("name").GetString()!)).ToList();
    }

    public async Task<JupyterKernel> StartAsync(string capsuleId, string spec, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(capsuleId, HttpMethod.Post, "api/kernels", JsonContent.Create(new { name = spec }), cancellationToken).ConfigureAwait(false);
        var kernel = await reply.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return new JupyterKernel(kernel.GetProperty("id").GetString()!, spec);
    }

    public async Task RestartAsync(string capsuleId, string kernelId, CancellationToken cancellationToken) =>
        (await SendAsync(capsuleId, HttpMethod.Post, $"api/kernels/{Uri.EscapeDataString(kernelId)}/restart", null, cancellationToken).ConfigureAwait(false)).Dispose();

    public async Task DeleteAsync(string capsuleId, string kernelId, CancellationToken cancellationToken) =>
        (await SendAsync(capsuleId, HttpMethod.Delete, $"api/kernels/{Uri.EscapeDataString(kernelId)}", null, cancellationToken).ConfigureAwait(false)).Dispose();

    /// <summary>The kernel's channels (shell, iopub, ...) as one WebSocket of JSON messages.</summary>
    public async Task<WebSocket> ConnectAsync(string capsuleId, string kernelId, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            var address = new Uri(new Uri(GuestTunnels.Destination(capsuleId, Port).Replace("http://", "ws://", StringComparison.Ordinal)),
                $"api/kernels/{Uri.EscapeDataString(kernelId)}/channels");
            await socket.ConnectAsync(address, tunnels.Invoker, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A REST call; a non-success reply is the interpreter's failure (<see cref="InterpreterException"/>).</summary>
    private async Task<HttpResponseMessage> SendAsync(string capsuleId, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(GuestTunnels.Destination(capsuleId, Port)), path)) { Content = content };
        HttpResponseMessage reply;
        try
        {
            reply = await tunnels.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new InterpreterException(StatusCodes.Status502BadGateway, "the code interpreter is not running in this sandbox", exception);
        }

        if (reply.IsSuccessStatusCode)
        {
            return reply;
        }

        var status = (int)reply.StatusCode;
        reply.Dispose();
        throw status == StatusCodes.Status404NotFound
            ? new InterpreterException(StatusCodes.Status404NotFound, "no such context")
            : new InterpreterException(StatusCodes.Status502BadGateway, "the code interpreter failed");
    }
}

/// <summary>A failure of the code interpreter surface, with the status E2B's SDK expects for it (404 a missing context, 502 an interpreter that is not there).</summary>
internal sealed class InterpreterException(int status, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Status { get; } = status;
}
