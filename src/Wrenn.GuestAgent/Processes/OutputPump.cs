using Google.Protobuf;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Moves one output descriptor (a pipe, or a PTY master) into a hub on a dedicated thread: reads
/// block in the kernel, which must not happen on the thread pool that serves the gRPC calls. The
/// pump ends at end of stream (EOF, or EIO on a PTY master whose slave is closed everywhere) or,
/// once the process has exited, after <see cref="QuietAfterExit"/> without output: a background
/// grandchild that keeps the pipe open must not hold the exit back forever.
/// </summary>
internal static class OutputPump
{
    private const int ChunkBytes = 64 * 1024;
    private const int PollMs = 100;
    private static readonly TimeSpan QuietAfterExit = TimeSpan.FromMilliseconds(250);

    public static Task Start(SafeFileHandle source, OutputStream stream, OutputHub hub, GuestProcess process)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(source, stream, hub, process);
            }
            finally
            {
                source.Dispose();
                done.SetResult();
            }
        }, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = $"pump {process.Pid} {stream}",
        };
        thread.Start();
        return done.Task;
    }

    private static void Run(SafeFileHandle source, OutputStream stream, OutputHub hub, GuestProcess process)
    {
        var buffer = new byte[ChunkBytes];
        var lastOutput = process.Clock.GetTimestamp();
        while (true)
        {
            var events = FdIo.Poll(source, FdIo.POLLIN, PollMs);
            if (events == 0)
            {
                if (process.ExitedAt is { } exitedAt && process.Clock.GetElapsedTime(Math.Max(exitedAt, lastOutput)) > QuietAfterExit)
                {
                    return;
                }

                continue;
            }

            var count = FdIo.Read(source, buffer);
            if (count == -Errno.EINTR || count == -Errno.EAGAIN)
            {
                continue;
            }

            if (count <= 0)
            {
                return;
            }

            lastOutput = process.Clock.GetTimestamp();
            hub.Publish(new OutputEvent(stream, ByteString.CopyFrom(buffer, 0, count), null));
        }
    }
}
