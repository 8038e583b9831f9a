namespace Wrenn.ControlPlane.Streams;

/// <summary>The three WebSocket routes of spec §4.10.</summary>
internal static class StreamEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/capsules/{id}/exec/stream", ExecStream.RunAsync).Produces(101);
        routes.MapGet("/v1/capsules/{id}/processes/{selector}/stream", ProcessStream.RunAsync).Produces(101);
        routes.MapGet("/v1/capsules/{id}/pty", PtyStream.RunAsync).Produces(101);
    }
}
