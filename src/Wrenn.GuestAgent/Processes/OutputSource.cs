using Google.Protobuf;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.Linux;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Processes;

/// <summary>What the output poller does with a source after looking at it.</summary>
internal enum SourceStep
{
    /// <summary>Stays in the poll.</summary>
    Reading,

    /// <summary>Leaves the poll until its primary consumer has taken the last chunk; it comes back by itself.</summary>
    Held,

    /// <summary>Ended: closed, and its process told.</summary>
    Ended,
}

/// <summary>One output descriptor of a process (stdout, stderr or a PTY master), as the output poller sees it.</summary>
internal sealed class OutputSource(SafeFileHandle handle, OutputStream stream, OutputHub hub, GuestProcess process)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastOutput = process.Clock.GetTimestamp();

    /// <summary>The descriptor to poll; open until <see cref="End"/>.</summary>
    public int Fd => (int)handle.DangerousGetHandle();

    public Task Ended => _ended.Task;

    /// <summary>
    /// Reads what is there into the hub. When the primary consumer has no room, the source is
    /// <see cref="SourceStep.Held"/> and handed to <paramref name="resume"/> once it has.
    /// </summary>
    public SourceStep ReadOnce(byte[] buffer, Action<OutputSource> resume)
    {
        var count = FdIo.Read(handle, buffer);
        if (count == -Errno.EINTR || count == -Errno.EAGAIN)
        {
            return SourceStep.Reading;
        }

        if (count <= 0)
        {
            return SourceStep.Ended;
        }

        _lastOutput = process.Clock.GetTimestamp();
        var delivery = hub.Publish(new OutputEvent(stream, ByteString.CopyFrom(buffer, 0, count), null));
        if (delivery is null)
        {
            return SourceStep.Reading;
        }

        _ = delivery.ContinueWith(_ => resume(this), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return SourceStep.Held;
    }

    /// <summary>How long until this source may end for quiet, when its process has exited.</summary>
    public TimeSpan? QuietLeft(TimeSpan quiet) => process.ExitedAt is { } exitedAt
        ? TimeSpan.FromTicks(Math.Max(0, (quiet - process.Clock.GetElapsedTime(Math.Max(exitedAt, _lastOutput))).Ticks))
        : null;

    /// <summary>Whether the process has exited and nothing came for <paramref name="quiet"/> since then or the last output.</summary>
    public bool QuietSinceExit(TimeSpan quiet) => QuietLeft(quiet) == TimeSpan.Zero;

    public void End()
    {
        handle.Dispose();
        _ended.TrySetResult();
    }
}
