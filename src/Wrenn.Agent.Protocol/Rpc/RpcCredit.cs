namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>What one call may still send before the receiver hands back credit (<see cref="RpcWindow"/>).</summary>
internal sealed class RpcCredit
{
    private readonly Lock _lock = new();
    private long _available = RpcWindow.Bytes;
    private TaskCompletionSource? _granted;
    private Exception? _failure;

    /// <summary>Waits until some credit is left, then spends <paramref name="bytes"/> (a message may overdraw by itself).</summary>
    public async ValueTask SpendAsync(int bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task waiting;
            lock (_lock)
            {
                if (_failure is not null)
                {
                    throw _failure;
                }

                if (_available > 0)
                {
                    _available -= bytes;
                    return;
                }

                _granted ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting = _granted.Task;
            }

            await waiting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Grant(uint bytes)
    {
        TaskCompletionSource? granted;
        lock (_lock)
        {
            // Clamped: a hostile peer's grants must not wrap the count around.
            _available = Math.Min(_available + bytes, RpcWindow.Bytes);
            granted = _granted;
            _granted = null;
        }

        granted?.TrySetResult();
    }

    /// <summary>The call or connection ended: every sender waiting, and every later one, gets <paramref name="failure"/>.</summary>
    public void Fail(Exception failure)
    {
        TaskCompletionSource? granted;
        lock (_lock)
        {
            _failure ??= failure;
            granted = _granted;
            _granted = null;
        }

        granted?.TrySetResult();
    }
}
