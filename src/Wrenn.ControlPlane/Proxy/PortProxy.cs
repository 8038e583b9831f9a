using System.Globalization;
using System.Text.RegularExpressions;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.E2b;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The port proxy (spec §6): a request whose Host is <c>{port}-{capsule}.{domain}</c> goes to that
/// guest port through the guest agent's tunnel and never reaches the API. Everything is streamed
/// both ways (YARP's forwarder: any method, chunked bodies, WebSocket upgrades); the capsule is busy
/// while a proxied request or WebSocket is open, and pause or delete cut them.
/// </summary>
internal sealed partial class PortProxy(
    RequestDelegate next, IHttpForwarder forwarder, GuestTunnels tunnels, CapsuleStore store, ApiKeys keys,
    CapsuleActivity activity, CapsuleConnections connections, CapsuleLifecycle lifecycle, ApiMetrics metrics, ControlPlaneOptions options, TimeProvider time)
{
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(5);

    // Tunnels carry plain HTTP/1.1 (upgrades included); idle streams may stay open for long polls.
    private static readonly ForwarderRequestConfig Config = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(15),
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!TryParseHost(context.Request.Host.Host, options.ProxyDomain, out var port, out var id))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        HttpMetrics.Name(context, "proxy");
        var record = await AdmitAsync(context, id).ConfigureAwait(false);
        if (record is null)
        {
            return;
        }

        using var busy = activity.Begin(id);
        using var open = metrics.Connection("proxy");
        using var cut = connections.ScopeOf(id).Token.Register(context.Abort);
        var error = await forwarder.SendAsync(context, GuestTunnels.Destination(id, port), tunnels.Invoker, Config, ForwardedHeaders.Instance)
            .ConfigureAwait(false);
        if (error != ForwarderError.None && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await ErrorReplies.WriteAsync(context, new ApiException(ApiErrorCode.PortUnreachable, $"nothing accepts connections on guest port {port}")
            {
                RetryAfterSeconds = 1,
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Checks the key and the capsule's status; answers and returns null when the request cannot go through.</summary>
    private async Task<CapsuleRecord?> AdmitAsync(HttpContext context, string id)
    {
        var key = context.Request.Headers["X-API-Key"].ToString();
        ApiKeyRecord? credential = null;
        if (key.Length > 0)
        {
            credential = await keys.FindAsync(key, context.RequestAborted).ConfigureAwait(false);
            if (credential is null)
            {
                return await RefuseAsync(context, new ApiException(ApiErrorCode.Unauthorized, "the API key is not valid")).ConfigureAwait(false);
            }
        }
        else if (options.ProxyRequiresKey)
        {
            return await RefuseAsync(context, new ApiException(ApiErrorCode.Unauthorized, "an API key is required")).ConfigureAwait(false);
        }

        var record = await store.GetAnyAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (record is null || (credential is not null && credential.TeamId != record.TeamId) || record.Status is Statuses.Stopped or Statuses.Error)
        {
            return await NotRunningAsync(context, id, credential is null || credential.TeamId == record?.TeamId ? record : null, ApiException.NotFound("capsule"))
                .ConfigureAwait(false);
        }

        try
        {
            record = record switch
            {
                // A request that arrives while the capsule is being created or resumed waits a little
                // for it (a resume takes about a second): still starting after that, it is a 503.
                { Status: Statuses.Pending or Statuses.Starting } =>
                    await StartingCapsules.WaitAsync(store, id, null, StartWait, time, context.RequestAborted).ConfigureAwait(false),
                // Paused with auto_resume: the request waits for the resume, then goes through.
                { Status: Statuses.Paused, AutoResume: not 0 } => await lifecycle.WakeAsync(record, context.RequestAborted).ConfigureAwait(false),
                _ => record,
            };
        }
        catch (ApiException exception)
        {
            // Gone, or paused for good, while it was waited for: as for a capsule found so.
            return exception.Code is ApiErrorCode.NotFound or ApiErrorCode.InvalidState
                ? await NotRunningAsync(context, id, record, exception).ConfigureAwait(false)
                : await RefuseAsync(context, exception).ConfigureAwait(false);
        }

        if (record is null or { Status: Statuses.Stopped or Statuses.Error })
        {
            return await NotRunningAsync(context, id, record, ApiException.NotFound("capsule")).ConfigureAwait(false);
        }

        return record.Status switch
        {
            Statuses.Running => record,
            Statuses.Paused => await NotRunningAsync(context, id, record, ApiException.State("the capsule is paused")).ConfigureAwait(false),
            _ => await RefuseAsync(context, new ApiException(ApiErrorCode.NotReady, "the capsule is not running yet") { RetryAfterSeconds = 1 }).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// A capsule that is gone or paused: E2B's proxy reply (502 naming the sandbox) for a sandbox of
    /// E2B's — asked for with E2B's routing headers, or made through its API (the only way a capsule
    /// gets a default guest user) — and Wrenn's error otherwise.
    /// </summary>
    private static async Task<CapsuleRecord?> NotRunningAsync(HttpContext context, string id, CapsuleRecord? record, ApiException error)
    {
        if (!E2bErrors.Claims(context) && record?.GuestUser is null)
        {
            return await RefuseAsync(context, error).ConfigureAwait(false);
        }

        await E2bErrors.WriteSandboxGoneAsync(context, id).ConfigureAwait(false);
        return null;
    }

    private static async Task<CapsuleRecord?> RefuseAsync(HttpContext context, ApiException error)
    {
        await ErrorReplies.WriteAsync(context, error).ConfigureAwait(false);
        return null;
    }

    /// <summary>Matches <c>{port}-{capsule id}.</c> followed by <paramref name="domain"/> (any domain when null).</summary>
    public static bool TryParseHost(string host, string? domain, out int port, out string id)
    {
        port = 0;
        id = string.Empty;
        var match = ProxyHost().Match(host);
        if (!match.Success || (domain is not null && !match.Groups[3].Value.Equals(domain, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        port = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        id = match.Groups[2].Value.ToLowerInvariant();
        return port is >= 1 and <= 65535;
    }

    [GeneratedRegex("^([1-9][0-9]{0,4})-(cl-[0-9a-z]{25})\\.(.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ProxyHost();
}
