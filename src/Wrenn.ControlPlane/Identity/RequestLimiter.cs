using System.Threading.RateLimiting;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Identity;

/// <summary>
/// The per-credential request rate of spec §2.4: a token bucket per API key or user session,
/// refilled at <see cref="RequestRate.PerSecond"/> up to <see cref="RequestRate.Burst"/>. Only
/// authenticated requests count (so buckets exist only for real credentials); login has its own
/// limiter and proxied traffic none.
/// </summary>
internal sealed class RequestLimiter : IDisposable
{
    // Refill in steps of at least this many tokens, as often as that takes at the configured rate.
    private static readonly TimeSpan ShortestStep = TimeSpan.FromMilliseconds(100);

    private readonly PartitionedRateLimiter<string>? _limiter;

    public RequestLimiter(ControlPlaneOptions options)
    {
        var rate = options.RequestRate;
        if (!rate.Enabled)
        {
            return;
        }

        // Whole tokens per step, steps no shorter than ShortestStep, and the step exactly as long as
        // its tokens take at the rate: 14/s is 2 tokens every 1/7 s, 0.5/s one token every 2 s.
        var tokensPerStep = Math.Max(1, (int)Math.Ceiling(rate.PerSecond * ShortestStep.TotalSeconds));
        var step = TimeSpan.FromSeconds(tokensPerStep / rate.PerSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(credential => RateLimitPartition.GetTokenBucketLimiter(credential, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = rate.Burst,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = step,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one request from the caller's bucket; 429 rate_limited with Retry-After when it is empty.</summary>
    public void Admit(Caller caller)
    {
        if (_limiter is null)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(caller.ActorType + ":" + caller.ActorId + ":" + caller.Team.Value);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            throw new ApiException(ApiErrorCode.RateLimited, "too many requests for this credential")
            {
                RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)),
            };
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
