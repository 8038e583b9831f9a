using System.Diagnostics;
using System.Globalization;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Counts and times every request by method, route template and status. Every label is bounded:
/// a method outside HTTP's standard ones is counted as <c>OTHER</c>, an unmatched path as <c>unmatched</c>.
/// </summary>
internal sealed class HttpMetrics(RequestDelegate next, ApiMetrics metrics)
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var method = Methods.Contains(context.Request.Method) ? context.Request.Method : "OTHER";
            metrics.Requests.WithLabels(method, route, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture)).Inc();
            metrics.RequestDuration.WithLabels(method, route).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
