using System.Diagnostics.Metrics;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// Counts of this host's file lane connections (docs/file-lane.md), on the <c>Wrenn.HostAgent</c>
/// meter: opened, or not (the file then went over the agent link).
/// </summary>
public static class FileLaneMetrics
{
    public const string InstrumentName = "wrenn_file_lane_connections";

    private static readonly Meter Meter = new(AgentLinkMetrics.MeterName);
    private static readonly Counter<long> Connections = Meter.CreateCounter<long>(InstrumentName, description: "File lane connections, by result");

    internal const string Opened = "opened";

    internal const string Unreachable = "unreachable";

    internal static void Connected(string result) => Connections.Add(1, new KeyValuePair<string, object?>("result", result));
}
