using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Management;

/// <summary>
/// Login lockout (spec §2.4): after 10 failures for one (email, client IP) within 15 minutes,
/// attempts are refused until the window of the oldest failure ends. In memory, per instance.
/// </summary>
internal sealed class LoginLimiter(TimeProvider time)
{
    private const int MaxFailures = 10;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<(string Email, string Ip), Queue<DateTimeOffset>> _failures = new();

    /// <summary>Seconds until attempts are allowed again; null when they are allowed now.</summary>
    public int? RetryAfter(string email, string ip)
    {
        if (!_failures.TryGetValue((email, ip), out var failures))
        {
            return null;
        }

        lock (failures)
        {
            Expire(failures);
            return failures.Count >= MaxFailures ? (int)Math.Ceiling((failures.Peek() + Window - time.GetUtcNow()).TotalSeconds) : null;
        }
    }

    public void Fail(string email, string ip)
    {
        var failures = _failures.GetOrAdd((email, ip), _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            Expire(failures);
            failures.Enqueue(time.GetUtcNow());
        }
    }

    public void Succeed(string email, string ip) => _failures.TryRemove((email, ip), out _);

    private void Expire(Queue<DateTimeOffset> failures)
    {
        while (failures.Count > 0 && time.GetUtcNow() - failures.Peek() > Window)
        {
            failures.Dequeue();
        }
    }
}
