using System.Diagnostics;
using System.Globalization;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Api;

/// <summary>Counts and times every request by method, route template and status.</summary>
internal sealed class HttpMetrics(RequestDelegate next, ApiMetrics metrics)
{
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
            var method = context.Request.Method;
            metrics.Requests.WithLabels(method, route, context.Response.StatusCode.ToString(CultureInfo.InvariantCulture)).Inc();
            metrics.RequestDuration.WithLabels(method, route).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
