using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// Runs queued builds one at a time (each is a VM; a host's cores are for its capsules). At start,
/// builds a stopped server left running are failed and their capsules deleted, and pending ones are
/// queued again: their archives are on disk, not in memory.
/// </summary>
internal sealed partial class BuildQueue(BuildStore store, BuildRunner runner, ILogger<BuildQueue> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public void Enqueue(string id) => _queue.Writer.TryWrite(id);

    /// <summary>Stops the build if it is running (its status was already set to cancelled).</summary>
    public void Cancel(string id)
    {
        if (_running.TryGetValue(id, out var running))
        {
            running.Cancel();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var id in await store.WithStatusAsync(BuildStatuses.Running, stoppingToken).ConfigureAwait(false))
        {
            await runner.AbandonAsync(id, "interrupted: the server stopped during the build").ConfigureAwait(false);
        }

        foreach (var id in await store.WithStatusAsync(BuildStatuses.Pending, stoppingToken).ConfigureAwait(false))
        {
            Enqueue(id);
        }

        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _running[id] = cancel;
            try
            {
                await runner.RunAsync(id, cancel.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogBuildCrashed(logger, id, exception);
            }
            finally
            {
                _running.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(EventId = 4901, Level = LogLevel.Error, Message = "Build {Build} failed unexpectedly")]
    private static partial void LogBuildCrashed(ILogger logger, string build, Exception exception);
}
