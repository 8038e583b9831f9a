namespace Wrenn.Host.Protocol;

/// <summary>The .NET meter a host agent publishes its metrics on; an in-process host's show in the server's Prometheus registry.</summary>
public static class HostTelemetry
{
    public const string MeterName = "Wrenn.HostAgent";
}
