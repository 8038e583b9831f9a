using System.Security.Cryptography;
using System.Text;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Api;

internal sealed record HealthReply(string Status, string Version);

/// <summary>/health and /metrics (spec §8); /openapi.json is mapped with the OpenAPI generator.</summary>
internal static class OperatorEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, string version)
    {
        routes.MapGet("/health", async (Database database, HttpContext http) =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            deadline.CancelAfter(TimeSpan.FromMilliseconds(90));
            bool reachable;
            try
            {
                reachable = await database.IsReachableAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                reachable = false;
            }

            return reachable
                ? ApiJson.Reply(new HealthReply("ok", version))
                : ApiJson.Reply(new HealthReply("unavailable", version), StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription();
        routes.MapGet("/metrics", MetricsAsync).ExcludeFromDescription();
    }

    private static async Task MetricsAsync(HttpContext http, ApiMetrics metrics, CapsuleStore store, Hosts.HostStore hosts, ControlPlaneOptions options)
    {
        if (options.MetricsToken is { } token && !TokenMatches(http.Request.Headers.Authorization.ToString(), token))
        {
            throw new ApiException(ApiErrorCode.Unauthorized, "the metrics token is missing or wrong");
        }

        var counts = await store.CountByStatusAsync(http.RequestAborted).ConfigureAwait(false);
        foreach (var status in Statuses.All.Where(status => status != "hibernated"))
        {
            metrics.Capsules.WithLabels(status).Set(counts.GetValueOrDefault(status));
        }

        var hostCounts = await hosts.CountByStatusAsync(http.RequestAborted).ConfigureAwait(false);
        foreach (var status in Enum.GetValues<Hosts.HostStatus>())
        {
            metrics.Hosts.WithLabels(Hosts.HostWire.Name(status)).Set(hostCounts.GetValueOrDefault(status));
        }

        http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
    }

    private static bool TokenMatches(string authorization, string token) =>
        authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[7..].Trim()), Encoding.UTF8.GetBytes(token));
}
