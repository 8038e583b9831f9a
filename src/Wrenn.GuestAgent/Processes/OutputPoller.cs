using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Moves the output of every process the agent started (pipes, PTY masters) into their hubs, all
/// on one dedicated thread that polls them together: a process costs no thread of its own (two
/// threads created and torn down per process were a large part of an exec's cost, emulated), and
/// reads block nowhere. Process-wide, like the reaper whose exits it follows.
/// </summary>
/// <remarks>
/// A source ends at end of stream (EOF, or EIO on a PTY master whose slave is closed everywhere)
/// or, once its process has exited, after <see cref="QuietAfterExit"/> without output: a background
/// grandchild that keeps the pipe open must not hold the exit back forever. A source whose primary
/// consumer has no room leaves the poll until the consumer took the chunk: that process's pipe
/// fills and it slows down, while every other process's output flows on.
/// </remarks>
internal static class OutputPoller
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan QuietAfterExit = TimeSpan.FromMilliseconds(250);

    private static readonly ConcurrentQueue<OutputSource> Arriving = new();
    // One delegate for every held source's return, not one per read.
    private static readonly Action<OutputSource> Return = Poll;
    private static readonly EventFd Wake = new();
    private static readonly Lock StartSync = new();
    private static Thread? _thread;

    /// <summary>Reads <paramref name="source"/> into <paramref name="hub"/> until it ends; the task completes then.</summary>
    public static Task Watch(SafeFileHandle source, OutputStream stream, OutputHub hub, GuestProcess process)
    {
        var entry = new OutputSource(source, stream, hub, process);
        lock (StartSync)
        {
            _thread ??= StartThread();
        }

        Poll(entry);
        return entry.Ended;
    }

    /// <summary>Makes the thread look at its sources again (a process exited: its quiet timer starts).</summary>
    public static void Nudge() => Wake.Signal();

    private static void Poll(OutputSource source)
    {
        Arriving.Enqueue(source);
        Wake.Signal();
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "output" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        var active = new List<OutputSource>();
        var entries = new PollEntry[16];
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            while (Arriving.TryDequeue(out var arrived))
            {
                active.Add(arrived);
            }

            if (entries.Length < active.Count + 1)
            {
                entries = new PollEntry[2 * (active.Count + 1)];
            }

            entries[0] = new PollEntry { Fd = (int)Wake.Handle.DangerousGetHandle(), Events = FdIo.POLLIN };
            for (var i = 0; i < active.Count; i++)
            {
                entries[i + 1] = new PollEntry { Fd = active[i].Fd, Events = FdIo.POLLIN };
            }

            // Every descriptor polled stays open: only this thread closes a source's, after removing it.
            // On a timeout or EINTR no entry has events: only the quiet timers are checked below.
            var ready = FdIo.Poll(entries.AsSpan(0, active.Count + 1), TimeoutMs(active));
            if (ready > 0 && entries[0].Revents != 0)
            {
                Wake.Drain();
            }

            // Backwards, so that removing a source keeps the indices of those still to visit.
            for (var i = active.Count - 1; i >= 0; i--)
            {
                var source = active[i];
                var step = entries[i + 1].Revents != 0 ? source.ReadOnce(buffer, Return)
                    : source.QuietSinceExit(QuietAfterExit) ? SourceStep.Ended
                    : SourceStep.Reading;
                if (step == SourceStep.Reading)
                {
                    continue;
                }

                active.RemoveAt(i);
                if (step == SourceStep.Ended)
                {
                    source.End();
                }
            }
        }
    }

    /// <summary>Until the next quiet deadline of an exited process's source; without limit when none runs.</summary>
    private static int TimeoutMs(List<OutputSource> active)
    {
        var soonest = Timeout.InfiniteTimeSpan;
        foreach (var source in active)
        {
            if (source.QuietLeft(QuietAfterExit) is { } left && (soonest < TimeSpan.Zero || left < soonest))
            {
                soonest = left;
            }
        }

        return soonest < TimeSpan.Zero ? -1 : (int)Math.Ceiling(soonest.TotalMilliseconds);
    }
}
