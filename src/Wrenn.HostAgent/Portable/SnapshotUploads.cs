using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.SnapshotStore;

namespace Wrenn.HostAgent.Portable;

/// <summary>
/// Sends paused capsules' snapshots to the store once they have stayed paused for
/// <see cref="RuntimeOptions.UploadDelay"/>, one capsule at a time, retrying while the store is
/// unreachable. A capsule that resumes or goes meanwhile is dropped from the queue (its disk
/// changes once it runs: the next pause sends it again).
/// </summary>
public sealed partial class SnapshotUploads : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(60);

    private int _disposed;
    private readonly PortableSnapshots _portable;
    private readonly RuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<(CapsuleId Id, long Queued)> _queue = Channel.CreateUnbounded<(CapsuleId, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _lock = new();
    private readonly Task _worker;
    private (CapsuleId Id, CancellationTokenSource Cancel, Task Done)? _current;

    public SnapshotUploads(PortableSnapshots portable, RuntimeOptions options, TimeProvider time, ILogger logger)
    {
        _portable = portable;
        _options = options;
        _time = time;
        _logger = logger;
        _worker = Task.Run(RunAsync);
    }

    /// <summary>A capsule's latest pause is now in the store: its generation, and what the upload moved.</summary>
    public event Action<CapsuleId, int, TransferStats>? Stored;

    /// <summary>Queues the capsule's latest pause for upload (nothing happens without a store, or when it is there already).</summary>
    public void Enqueue(CapsuleId id) => _queue.Writer.TryWrite((id, _time.GetTimestamp()));

    /// <summary>Stops an upload of the capsule in progress and waits until it no longer reads the capsule's files.</summary>
    public async Task CancelAsync(CapsuleId id)
    {
        Task? done = null;
        lock (_lock)
        {
            if (_current is { } current && current.Id == id)
            {
                current.Cancel.Cancel();
                done = current.Done;
            }
        }

        if (done is not null)
        {
            await done.ConfigureAwait(false);
        }
    }

    /// <summary>Stops the worker; idempotent, since the host that owns it can be disposed once per registration of it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var (id, queued) in _queue.Reader.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock)
                {
                    _current = (id, cancel, done.Task);
                }

                try
                {
                    if (await PausedLongEnoughAsync(queued, cancel.Token).ConfigureAwait(false))
                    {
                        await UploadAsync(id, cancel.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    lock (_lock)
                    {
                        _current = null;
                    }

                    done.SetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Shutting down: what is left is sent after the next start (adoption queues it again).
        }
    }

    /// <summary>Waits out the rest of the upload delay; false when a resume or delete cancelled the wait.</summary>
    private async Task<bool> PausedLongEnoughAsync(long queued, CancellationToken cancellationToken)
    {
        var left = _options.UploadDelay - _time.GetElapsedTime(queued);
        if (left <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await Task.Delay(left, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task UploadAsync(CapsuleId id, CancellationToken cancellationToken)
    {
        var directory = CapsuleDirectory.For(_options.DataDirectory, id);
        for (var wait = FirstRetry; !cancellationToken.IsCancellationRequested; wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LastRetry.Ticks)))
        {
            try
            {
                if (!_portable.Configured || CapsuleState.Load(directory) is not { Status: CapsuleStatus.Paused } state)
                {
                    return;
                }

                var (exported, stats) = await _portable.ExportCapsuleAsync(directory, cancellationToken).ConfigureAwait(false);
                if (exported)
                {
                    LogUploaded(_logger, id.Value, state.Generation, stats.BytesTransferred, stats.RawBytes);
                    Stored?.Invoke(id, state.Generation, stats);
                }

                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is StoreUnavailableException or IOException)
            {
                LogUploadRetry(_logger, id.Value, wait.TotalSeconds, exception.Message);
            }
            catch (Exception exception)
            {
                // Its local snapshot is damaged, or something unforeseen: it stays resumable here only,
                // and the worker goes on with the next capsule.
                LogUploadFailed(_logger, id.Value, exception);
                return;
            }

            try
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "Snapshot of {CapsuleId} generation {Generation} is in the store: {Uploaded} bytes sent for {Raw} bytes of data")]
    private static partial void LogUploaded(ILogger logger, string capsuleId, int generation, long uploaded, long raw);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Warning, Message = "Sending the snapshot of {CapsuleId} to the store failed; retrying in {Seconds} s: {Reason}")]
    private static partial void LogUploadRetry(ILogger logger, string capsuleId, double seconds, string reason);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Error, Message = "The snapshot of {CapsuleId} cannot be sent to the store: it stays on this host")]
    private static partial void LogUploadFailed(ILogger logger, string capsuleId, Exception exception);
}
