using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// Publishes the host agent's .NET meter (<see cref="HostTelemetry.MeterName"/>) in the server's
/// Prometheus registry: long counters as <c>&lt;name&gt;_total</c>, double histograms in seconds,
/// their tags as labels. Counters never expire: a failure counted once stays visible.
/// </summary>
internal sealed class HostMeters : IDisposable
{
    private static readonly double[] DurationBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener = new();
    private readonly MetricFactory _factory;
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _histograms = new(StringComparer.Ordinal);

    public HostMeters(CollectorRegistry registry)
    {
        _factory = Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HostTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var (names, values) = Labels(tags);
        var counter = _counters.GetOrAdd(instrument.Name, name => _factory.CreateCounter(name + "_total", instrument.Description ?? name, names));
        counter.WithLabels(values).Inc(value);
    }

    private void OnDuration(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var (names, values) = Labels(tags);
        var histogram = _histograms.GetOrAdd(instrument.Name, name => _factory.CreateHistogram(name + "_seconds", instrument.Description ?? name,
            new HistogramConfiguration { LabelNames = names, Buckets = DurationBuckets }));
        histogram.WithLabels(values).Observe(value);
    }

    private static (string[] Names, string[] Values) Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[tags.Length];
        var values = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            names[i] = tags[i].Key;
            values[i] = tags[i].Value?.ToString() ?? string.Empty;
        }

        return (names, values);
    }
}
