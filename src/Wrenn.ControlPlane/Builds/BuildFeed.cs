using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Wrenn.ControlPlane.Builds;

/// <summary>What a build's live stream carries: a running step's output, a finished step, or the build's new status.</summary>
internal abstract record BuildEvent;

internal sealed record StepEvent(BuildLogRecord Log) : BuildEvent;

internal sealed record StatusEvent(string Status, string? Error) : BuildEvent;

/// <summary>Output of the running step as it is produced (UTF-8 decoded across chunk boundaries).</summary>
internal sealed record OutputEvent(long Step, string Stream, string Data) : BuildEvent;

/// <summary>
/// Live events of running builds, for their log WebSockets. Subscribers each get the events
/// published after they subscribed; the step log in the database covers what came before. A
/// subscriber that falls behind by more than <see cref="Backlog"/> events loses the oldest output
/// (never memory without bound); the step records and statuses it still gets from the database.
/// </summary>
internal sealed class BuildFeed
{
    private const int Backlog = 4096;

    private readonly ConcurrentDictionary<string, ImmutableSubscribers> _subscribers = new(StringComparer.Ordinal);

    public Subscription Subscribe(string buildId)
    {
        var channel = Channel.CreateBounded<BuildEvent>(new BoundedChannelOptions(Backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        _subscribers.AddOrUpdate(buildId, _ => new([channel]), (_, current) => new([.. current.Channels, channel]));
        return new Subscription(channel.Reader, () =>
        {
            var left = _subscribers.AddOrUpdate(buildId, _ => new([]), (_, current) => new([.. current.Channels.Where(c => c != channel)]));
            if (left.Channels.Count == 0)
            {
                // Only if nobody subscribed meanwhile (the same instance): no key stays behind.
                _subscribers.TryRemove(KeyValuePair.Create(buildId, left));
            }
        });
    }

    public void Publish(string buildId, BuildEvent message)
    {
        if (_subscribers.TryGetValue(buildId, out var current))
        {
            foreach (var channel in current.Channels)
            {
                channel.Writer.TryWrite(message);
            }
        }
    }

    /// <summary>A subscriber's events; disposing it unsubscribes.</summary>
    internal sealed class Subscription(ChannelReader<BuildEvent> events, Action unsubscribe) : IDisposable
    {
        public ChannelReader<BuildEvent> Events { get; } = events;

        public void Dispose() => unsubscribe();
    }

    private sealed record ImmutableSubscribers(IReadOnlyList<Channel<BuildEvent>> Channels);
}
