using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Memory;

using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.PageServer;

/// <summary>
/// The host's UFFD page server: one session per restored VM, each with its own socket, threads and
/// memory map. The registry is touched only when sessions start and end, never on the fault path.
/// </summary>
public sealed class PageServer(ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PageServerSession> _sessions = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<PageServerSession>();

    /// <summary>
    /// Opens <paramref name="memory"/> (a damaged chain is a <see cref="SnapshotException"/>) and
    /// listens on <paramref name="socketPath"/> for the VMM that will run it.
    /// </summary>
    public PageServerSession Start(string socketPath, MemoryChain memory, IReadOnlyList<uint> workingSet, PageServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var map = memory.Open();
        try
        {
            var session = new PageServerSession(socketPath, map, [.. workingSet], options ?? new PageServerOptions(), _logger);
            _sessions[socketPath] = session;
            _ = session.Completion.ContinueWith(_ => _sessions.TryRemove(new KeyValuePair<string, PageServerSession>(socketPath, session)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return session;
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
