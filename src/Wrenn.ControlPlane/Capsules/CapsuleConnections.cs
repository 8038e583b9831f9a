using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>Why a capsule's live connections are being closed.</summary>
internal enum CloseReason
{
    None,
    Paused,
    Deleted,
}

/// <summary>
/// The live connections of each capsule (WebSockets, proxied connections, in-flight guest
/// requests) share one <see cref="Scope"/> per capsule; pause, snapshot and delete end it so that
/// every one of them stops with the right message, and later connections join a fresh one.
/// </summary>
internal sealed class CapsuleConnections
{
    private readonly ConcurrentDictionary<string, Scope> _scopes = new(StringComparer.Ordinal);

    public Scope ScopeOf(string id) => _scopes.GetOrAdd(id, _ => new Scope());

    public void CloseAll(string id, CloseReason reason)
    {
        if (_scopes.TryRemove(id, out var old))
        {
            old.End(reason);
        }
    }

    /// <summary>One generation of a capsule's connections.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
        "A CancellationTokenSource without timers holds nothing to release, and connections may still read the token after End.")]
    internal sealed class Scope
    {
        private readonly CancellationTokenSource _source = new();

        public CancellationToken Token => _source.Token;

        public CloseReason Reason { get; private set; }

        public void End(CloseReason reason)
        {
            Reason = reason;
            _source.Cancel();
        }
    }
}
