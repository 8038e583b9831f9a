namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// The time a request spends waiting on capsules — guest agent calls, starts and resumes, waits for
/// a capsule to start — so that the HTTP metrics can tell the control plane's own time from the
/// VM's (<c>wrenn_http_request_own_seconds</c>): on an emulated machine a command's 200 ms in the
/// guest hide the few milliseconds the API adds around it. The tally of the current request flows
/// with its execution context; pieces that overlap (a fork's parallel creates) count once.
/// </summary>
internal static class CapsuleWork
{
    private static readonly AsyncLocal<Tally?> Current = new();

    /// <summary>Starts the tally of the request running in this execution context.</summary>
    public static Tally Track(TimeProvider time) => Current.Value = new Tally(time);

    /// <summary>Counts the time until disposed as capsule work of the current request, if any.</summary>
    public static Piece Measure() => new(Current.Value);

    internal sealed class Tally(TimeProvider time)
    {
        private readonly Lock _gate = new();
        private int _open;
        private long _since;
        private long _total;

        /// <summary>How many pieces of capsule work the request waited on.</summary>
        public int Pieces { get; private set; }

        public TimeSpan Total
        {
            get
            {
                lock (_gate)
                {
                    return time.GetElapsedTime(0, _total + (_open > 0 ? time.GetTimestamp() - _since : 0));
                }
            }
        }

        internal void Enter()
        {
            lock (_gate)
            {
                Pieces++;
                if (_open++ == 0)
                {
                    _since = time.GetTimestamp();
                }
            }
        }

        internal void Exit()
        {
            lock (_gate)
            {
                if (--_open == 0)
                {
                    _total += time.GetTimestamp() - _since;
                }
            }
        }
    }

    /// <summary>One piece of capsule work: ends when disposed (once).</summary>
    internal sealed class Piece : IDisposable
    {
        private Tally? _tally;

        public Piece(Tally? tally)
        {
            _tally = tally;
            tally?.Enter();
        }

        public void Dispose() => Interlocked.Exchange(ref _tally, null)?.Exit();
    }
}
