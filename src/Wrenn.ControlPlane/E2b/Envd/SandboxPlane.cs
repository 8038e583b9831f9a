using System.Text;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Guest;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Proxy;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// E2B's data plane (docs/e2b.md): what its SDKs send to a sandbox's envd on port 49983 — Connect
/// RPCs of the process and filesystem services, <c>/files</c> and <c>/health</c> — answered here and
/// carried out through the capsule's authenticated guest agent; nothing inside the guest listens
/// for it. A request is for a sandbox when it carries E2B's routing headers (<c>E2b-Sandbox-Id</c>,
/// <c>E2b-Sandbox-Port</c>: the SDKs' <c>E2B_SANDBOX_URL</c> mode) or its Host is
/// <c>49983-{id}.{proxy domain}</c>; port 49999 is E2B's code interpreter
/// (<see cref="Interpreter.CodeInterpreter"/>). Routed to another port, a request is handed to the
/// port proxy.
/// Every call but <c>/health</c> needs the sandbox's access token (<see cref="EnvdTokens"/>).
/// </summary>
internal sealed class SandboxPlane(
    RequestDelegate next, CapsuleStore store, GuestAccess access, EnvdTokens tokens, ProcessRpc processes, FilesystemRpc filesystem,
    FileTransfers transfers, Interpreter.CodeInterpreter interpreter, ControlPlaneOptions options)
{
    public const int EnvdPort = 49983;

    public async Task InvokeAsync(HttpContext context)
    {
        if (options.E2bPath is null || !TryRoute(context, out var id, out var port))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        E2bErrors.ClaimFor(context);
        if (port == Interpreter.CodeInterpreter.Port)
        {
            HttpMetrics.Name(context, "e2b interpreter");
            var tokenValid = await tokens.IsValidAsync(id, context.Request.Headers["X-Access-Token"].ToString(), context.RequestAborted).ConfigureAwait(false);
            if (!tokenValid && options.ProxyRequiresKey)
            {
                // An operator who closed the guest ports to anonymous callers closes this one too,
                // even though E2B's SDK sends no token with its context calls.
                await E2bErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized access, invalid access token").ConfigureAwait(false);
                return;
            }

            using var sandbox = await OpenAsync(context, id, string.Empty, context.RequestAborted).ConfigureAwait(false);
            if (sandbox is not null)
            {
                await interpreter.ServeAsync(context, sandbox, tokenValid).ConfigureAwait(false);
            }

            return;
        }

        if (port != EnvdPort)
        {
            // Any other port of the sandbox: the port proxy's, as if asked by its host name.
            context.Request.Host = new HostString($"{port}-{id}.{options.ProxyDomain ?? "e2b.local"}");
            await next(context).ConfigureAwait(false);
            return;
        }

        var path = context.Request.Path.Value ?? string.Empty;
        if (ProcessRpc.Methods.MethodOf(path) is { } processMethod)
        {
            HttpMetrics.Name(context, ProcessRpc.Methods.RouteOf(processMethod));
            await ServeRpcAsync(context, id, call => processes.ServeAsync(context, call, processMethod)).ConfigureAwait(false);
        }
        else if (FilesystemRpc.Methods.MethodOf(path) is { } filesystemMethod)
        {
            HttpMetrics.Name(context, FilesystemRpc.Methods.RouteOf(filesystemMethod));
            await ServeRpcAsync(context, id, call => filesystem.ServeAsync(context, call, filesystemMethod)).ConfigureAwait(false);
        }
        else if (path.EndsWith("/health", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
        {
            HttpMetrics.Name(context, "envd /health");
            if (await store.GetAnyAsync(id, context.RequestAborted).ConfigureAwait(false) is { Status: Statuses.Running })
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else
            {
                await E2bErrors.WriteSandboxGoneAsync(context, id).ConfigureAwait(false);
            }
        }
        else if (path.EndsWith("/files", StringComparison.Ordinal) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsPost(context.Request.Method)))
        {
            HttpMetrics.Name(context, "envd /files");
            await transfers.ServeAsync(context, id, (user, token) => OpenAsync(context, id, user, token)).ConfigureAwait(false);
        }
        else
        {
            HttpMetrics.Name(context, "envd unknown");
            await E2bErrors.WriteAsync(context, StatusCodes.Status404NotFound, "no such route on the sandbox").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The running sandbox, for <paramref name="user"/>: null when it cannot be reached, after
    /// answering 502 as E2B's proxy does for a sandbox that is gone or paused (its SDK reads that as
    /// "not running"). A paused sandbox with auto-resume is resumed first.
    /// </summary>
    public async Task<SandboxCall?> OpenAsync(HttpContext context, string id, string user, CancellationToken cancellationToken)
    {
        var record = await store.GetAnyAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null or { Status: Statuses.Stopped or Statuses.Error } or { Status: Statuses.Paused, AutoResume: 0 })
        {
            await E2bErrors.WriteSandboxGoneAsync(context, id).ConfigureAwait(false);
            return null;
        }

        try
        {
            var session = await access.OpenAsync(Caller.System(new TeamId(record.TeamId)), id, cancellationToken).ConfigureAwait(false);
            return new SandboxCall(session, user.Length > 0 ? user : session.Record.GuestUser ?? "root");
        }
        catch (ApiException exception) when (exception.Code is ApiErrorCode.InvalidState or ApiErrorCode.NotFound)
        {
            await E2bErrors.WriteSandboxGoneAsync(context, id).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>An RPC: the token, the Basic-auth user, then the call; every failure a Connect error.</summary>
    private async Task ServeRpcAsync(HttpContext context, string id, Func<SandboxCall, Task> serve)
    {
        try
        {
            if (!await tokens.IsValidAsync(id, context.Request.Headers["X-Access-Token"].ToString(), context.RequestAborted).ConfigureAwait(false))
            {
                throw new ConnectException(ConnectCode.Unauthenticated, "unauthorized access, invalid access token");
            }

            var user = BasicUser(context.Request.Headers.Authorization.ToString());
            using var call = await OpenAsync(context, id, user, context.RequestAborted).ConfigureAwait(false);
            if (call is not null)
            {
                await serve(call).ConfigureAwait(false);
            }
        }
        catch (ConnectException error) when (!context.Response.HasStarted)
        {
            await ConnectWire.WriteErrorAsync(context, error).ConfigureAwait(false);
        }
        catch (ApiException error) when (!context.Response.HasStarted)
        {
            await ConnectWire.WriteErrorAsync(context, ConnectCodes.From(error)).ConfigureAwait(false);
        }
    }

    /// <summary>The user of <c>Authorization: Basic base64("user:")</c>; empty without one.</summary>
    private static string BasicUser(string authorization)
    {
        const string scheme = "Basic ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        try
        {
            var user = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim())).Split(':', 2)[0];
            return SandboxCall.IsUserName(user) ? user : throw new ConnectException(ConnectCode.Unauthenticated, "invalid username");
        }
        catch (FormatException)
        {
            throw new ConnectException(ConnectCode.Unauthenticated, "invalid authorization header");
        }
    }

    private bool TryRoute(HttpContext context, out string id, out int port)
    {
        var headers = context.Request.Headers;
        id = headers["E2b-Sandbox-Id"].ToString();
        if (id.Length > 0)
        {
            port = int.TryParse(headers["E2b-Sandbox-Port"], out var named) && named is >= 1 and <= 65535 ? named : EnvdPort;
            return CapsuleId.TryParse(id, out _);
        }

        return PortProxy.TryParseHost(context.Request.Host.Host, options.ProxyDomain, out port, out id) && port is EnvdPort or Interpreter.CodeInterpreter.Port;
    }
}
