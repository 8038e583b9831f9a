using System.Diagnostics.Metrics;
using Grpc.Core;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// Counts of the agent links of this host, on the <c>Wrenn.HostAgent</c> meter (the control plane
/// publishes it in <c>/metrics</c>): sessions opened, by outcome, and calls the link failed, by gRPC status.
/// </summary>
public static class AgentLinkMetrics
{
    public const string MeterName = Host.Protocol.HostTelemetry.MeterName;

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Sessions = Meter.CreateCounter<long>("wrenn_agent_link_sessions", description: "Agent link sessions opened, by result");
    private static readonly Histogram<double> OpenDuration = Meter.CreateHistogram<double>(
        "wrenn_agent_link_open_duration", unit: "s", description: "Time to open an agent link session (connect and handshake)");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("wrenn_agent_link_call_failures", description: "Agent calls failed by the link, by gRPC status");

    internal const string Success = "success";

    /// <summary>The guest never answered the connection's Hello; another one was opened.</summary>
    internal const string Unanswered = "unanswered";

    internal const string Failure = "failure";

    internal static void Opened(string result, TimeSpan duration)
    {
        Sessions.Add(1, new KeyValuePair<string, object?>("result", result));
        if (result == Success)
        {
            OpenDuration.Record(duration.TotalSeconds);
        }
    }

    internal static void CallFailed(StatusCode status) =>
        Failures.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
}
