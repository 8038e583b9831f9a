using System.Globalization;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Counts and times every request by method, route and status, from first in the pipeline, so
/// that what is answered before routing (E2B's data plane, the port proxy, the dashboard's files)
/// is counted too: those name their route with <see cref="Name"/>. Beside the whole time, the time
/// outside capsule work (<see cref="CapsuleWork"/>) is the control plane's own. Every label is bounded: a method
/// outside HTTP's standard ones is counted as <c>OTHER</c>, an unnamed, unmatched path as <c>unmatched</c>.
/// </summary>
internal sealed class HttpMetrics(RequestDelegate next, ApiMetrics metrics, TimeProvider time)
{
    private static readonly object RouteKey = new();

    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    };

    /// <summary>Names the route of a request no endpoint serves; <paramref name="route"/> must come from a fixed set.</summary>
    public static void Name(HttpContext context, string route) => context.Items[RouteKey] = route;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var work = CapsuleWork.Track(time);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Items[RouteKey] as string ?? "unmatched";
            var method = Methods.Contains(context.Request.Method) ? context.Request.Method : "OTHER";
            metrics.Requests.WithLabels(method, route, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture)).Inc();
            var elapsed = time.GetElapsedTime(started);
            metrics.RequestDuration.WithLabels(method, route).Observe(elapsed.TotalSeconds);
            metrics.RequestOwnDuration.WithLabels(method, route).Observe(Math.Max(0, (elapsed - work.Total).TotalSeconds));
            metrics.CapsuleWaits.WithLabels(method, route).Inc(work.Pieces);
        }
    }
}
