using Prometheus;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// The operator metrics of spec §8 (prefix <c>wrenn_</c>), in the server's own registry. Labels
/// are bounded: route templates, operations, statuses; never ids.
/// </summary>
internal sealed class ApiMetrics : IDisposable
{
    private static readonly double[] LifecycleBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
    private static readonly double[] RequestBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] OwnBuckets = [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.5];
    private readonly HostMeters _hostMeters;

    public ApiMetrics(string version)
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        factory.CreateGauge("wrenn_build_info", "Build information", "version").WithLabels(version).Set(1);
        Capsules = factory.CreateGauge("wrenn_capsules", "Capsules by status", "status");
        Operations = factory.CreateCounter("wrenn_capsule_operations_total", "Capsule lifecycle operations", "operation", "result");
        OperationDuration = factory.CreateHistogram("wrenn_capsule_operation_duration_seconds", "Capsule lifecycle operation latency",
            new HistogramConfiguration { LabelNames = ["operation"], Buckets = LifecycleBuckets });
        Requests = factory.CreateCounter("wrenn_http_requests_total", "HTTP requests", "method", "route", "status");
        RequestDuration = factory.CreateHistogram("wrenn_http_request_duration_seconds", "HTTP request latency",
            new HistogramConfiguration { LabelNames = ["method", "route"], Buckets = RequestBuckets });
        RequestOwnDuration = factory.CreateHistogram("wrenn_http_request_own_seconds",
            "HTTP request latency outside capsule work (guest agent calls, starts, resumes; CapsuleWork)",
            new HistogramConfiguration { LabelNames = ["method", "route"], Buckets = OwnBuckets });
        CapsuleWaits = factory.CreateCounter("wrenn_http_capsule_waits_total", "Pieces of capsule work HTTP requests waited on", "method", "route");
        WebSockets = factory.CreateGauge("wrenn_websocket_connections", "Open WebSocket and proxied connections", "kind");
        Hosts = factory.CreateGauge("wrenn_hosts", "Hosts by status", "status");
        foreach (var kind in new[] { "exec_stream", "process_stream", "pty", "proxy" })
        {
            WebSockets.WithLabels(kind).Set(0);
        }

        _hostMeters = new HostMeters(Registry);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Gauge Capsules { get; }

    public Counter Operations { get; }

    public Histogram OperationDuration { get; }

    public Counter Requests { get; }

    public Histogram RequestDuration { get; }

    public Histogram RequestOwnDuration { get; }

    public Counter CapsuleWaits { get; }

    public Gauge WebSockets { get; }

    public Gauge Hosts { get; }

    public void Dispose() => _hostMeters.Dispose();

    /// <summary>Counts and times one lifecycle operation.</summary>
    public void Observe(string operation, bool success, TimeSpan duration)
    {
        Operations.WithLabels(operation, success ? "success" : "failure").Inc();
        OperationDuration.WithLabels(operation).Observe(duration.TotalSeconds);
    }

    /// <summary>Counts an open connection of <paramref name="kind"/> until disposed.</summary>
    public IDisposable Connection(string kind)
    {
        var gauge = WebSockets.WithLabels(kind);
        gauge.Inc();
        return new Decrement(gauge);
    }

    private sealed class Decrement(Gauge.Child gauge) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gauge.Dec();
            }
        }
    }
}
