using Wrenn.ControlPlane.Capsules;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// Ends a stream whose sandbox is being paused or killed by cutting its connection, as E2B's proxy
/// does, once the store no longer records the sandbox as running: the SDK sees the connection
/// terminated, asks <c>/health</c> at once, finds 502 there and reports that the sandbox was killed
/// or reached its end of life (an end-of-stream error would read as a failure of the call itself).
/// The pause or delete closed the stream before its host step, hence the wait.
/// </summary>
internal sealed class SandboxEnds(CapsuleStore store, TimeProvider time)
{
    // A pause or delete takes about a second here; the SDK's /health probe waits 5 s.
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(10);

    public async Task CutAsync(HttpContext context, string capsuleId)
    {
        try
        {
            _ = await StartingCapsules.WaitAsync(store, capsuleId, null, EndWait, time, context.RequestAborted,
                waitingWhile: static record => record.Status == Statuses.Running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client (or a stopping server) ended the request first: nothing is left to wait for.
        }

        context.Abort();
    }
}
