using Wrenn.Linux.Spawn;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Reaps every child of this process on one dedicated thread: the processes the agent started
/// (whose status goes to their entry) and, as PID 1, every orphan of the guest re-parented to it,
/// which would otherwise stay a zombie forever. Process-wide by nature (waitid sees all children),
/// hence static: two reapers would steal each other's exits.
/// </summary>
internal static class ChildReaper
{
    private static readonly Lock Sync = new();
    private static readonly Dictionary<int, GuestProcess> Watched = [];
    // Not a SemaphoreSlim: that spins (yields) before it blocks, on every exec's last exit, and
    // under emulation the spinning takes time from the threads delivering that exit.
    private static readonly AutoResetEvent Started = new(false);
    private static Thread? _thread;

    /// <summary>
    /// Set by PID 1 of a capsule, where every process of the guest ends up a child of the agent:
    /// then SIGCHLD is kept at its default disposition so that only this reaper collects exits.
    /// (The .NET runtime installs its own SIGCHLD handler, which reaps every child when it
    /// believes SIGCHLD was ignored, as it is for an init process; the exit statuses were lost.)
    /// </summary>
    public static bool OwnsAllChildren { get; set; }

    /// <summary>
    /// Spawns and registers under the reaper's lock, so that an exit is never seen before the pid
    /// is known (it would be taken for an orphan's and its status lost).
    /// </summary>
    public static GuestProcess SpawnWatched(Func<int> spawn, Func<int, GuestProcess> register)
    {
        GuestProcess process;
        lock (Sync)
        {
            if (OwnsAllChildren)
            {
                Children.RestoreDefaultChildSignal();
            }

            var pid = spawn();
            process = register(pid);
            Watched[pid] = process;
            _thread ??= StartThread();
        }

        Started.Set();
        return process;
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "reaper" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        while (true)
        {
            int pid;
            try
            {
                pid = Children.WaitAnyExit();
            }
            catch (IOException)
            {
                // waitid fails only on bad arguments; never spin on it.
                Thread.Sleep(1000);
                continue;
            }

            if (pid == 0)
            {
                // No children at all: sleep until one is started (or a while, for safety).
                Started.WaitOne(TimeSpan.FromSeconds(1));
                continue;
            }

            lock (Sync)
            {
                if (Children.TryReap(pid) is { } exit && Watched.Remove(pid, out var process))
                {
                    process.OnReaped(exit);
                }
            }
        }
    }
}
