using System.Collections.Concurrent;
using Dapper;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Runs the lifecycle steps of one capsule one at a time, across every control plane sharing the
/// database: a semaphore per capsule in this process, and a lease on the capsule's row — owner and
/// expiry, taken by compare-and-set, renewed while the step runs, so a control plane that died in a
/// step holds the capsule for <see cref="LeaseLength"/> at most.
/// </summary>
internal sealed partial class CapsuleGates(Database database, TimeProvider time, ILogger<CapsuleGates> logger)
{
    public static readonly TimeSpan LeaseLength = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(100);
    private readonly string _owner = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _local = new(StringComparer.Ordinal);

    private TimeProvider Time => time;

    public Gate For(string capsuleId) => new(this, capsuleId, _local.GetOrAdd(capsuleId, _ => new SemaphoreSlim(1, 1)));

    /// <summary>Takes the lease if free or expired; true when this process holds it (or no row exists yet).</summary>
    private async Task<bool> TryLeaseAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var taken = await connection.ExecuteAsync(
            """
            UPDATE capsules SET lease_owner = @Owner, lease_until = @Until
            WHERE id = @Id AND (lease_owner IS NULL OR lease_owner = @Owner OR lease_until < @Now)
            """, new { Id = id, Owner = _owner, Until = now + (long)LeaseLength.TotalMilliseconds, Now = now }).ConfigureAwait(false);
        return taken == 1 || await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM capsules WHERE id = @Id", new { Id = id }).ConfigureAwait(false) == 0;
    }

    private async Task ReleaseLeaseAsync(string id)
    {
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await connection.ExecuteAsync("UPDATE capsules SET lease_owner = NULL, lease_until = NULL WHERE id = @Id AND lease_owner = @Owner",
                new { Id = id, Owner = _owner }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException)
        {
            // It expires on its own.
            LogReleaseFailed(logger, id, exception);
        }
    }

    [LoggerMessage(EventId = 4210, Level = LogLevel.Warning, Message = "The lifecycle lease of capsule {CapsuleId} was not released; it expires on its own")]
    private static partial void LogReleaseFailed(ILogger logger, string capsuleId, Exception exception);

    /// <summary>One capsule's gate: <see cref="WaitAsync"/>, then <see cref="Release"/> exactly once.</summary>
    internal sealed class Gate(CapsuleGates gates, string id, SemaphoreSlim local)
    {
        private CancellationTokenSource? _renewal;

        public async Task WaitAsync(CancellationToken cancellationToken = default)
        {
            if (!local.Wait(0, CancellationToken.None))
            {
                // Waiting for another lifecycle step of the capsule is waiting on capsule work.
                using (CapsuleWork.Measure())
                {
                    await local.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            try
            {
                await ClaimAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                local.Release();
                throw;
            }
        }

        /// <summary>Takes the row's lease, waiting while another control plane holds it (create: once the row exists).</summary>
        public async Task ClaimAsync(CancellationToken cancellationToken = default)
        {
            while (!await gates.TryLeaseAsync(id, cancellationToken).ConfigureAwait(false))
            {
                await Task.Delay(Retry, gates.Time, cancellationToken).ConfigureAwait(false);
            }

            _renewal ??= Renew();
        }

        /// <summary>Lets the next step in: the lease goes first, then this process's waiters.</summary>
        public void Release()
        {
            var renewal = Interlocked.Exchange(ref _renewal, null);
            _ = Task.Run(async () =>
            {
                if (renewal is not null)
                {
                    await renewal.CancelAsync().ConfigureAwait(false);
                    renewal.Dispose();
                    await gates.ReleaseLeaseAsync(id).ConfigureAwait(false);
                }

                local.Release();
            });
        }

        private CancellationTokenSource Renew()
        {
            var stop = new CancellationTokenSource();
            var token = stop.Token;
            _ = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(LeaseLength / 3, gates.Time);
                try
                {
                    while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                    {
                        await gates.TryLeaseAsync(id, token).ConfigureAwait(false);
                    }
                }
                catch (Exception exception) when (exception is OperationCanceledException or System.Data.Common.DbException)
                {
                    // Released, or the database failed a renewal: the next tick (or the expiry) decides.
                }
            }, CancellationToken.None);
            return stop;
        }
    }
}
