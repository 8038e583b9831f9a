using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.Linux.Io;
using Wrenn.Linux.Spawn;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// A process the agent started, from spawn until its exit has been delivered: identity, output
/// hub, stdin (or PTY master) and the exit. Its exit is final only when the reaper has reported it
/// and all its output has been read, so consumers always see all output before the exit.
/// </summary>
internal sealed class GuestProcess
{
    private readonly TaskCompletionSource<ChildExit> _reaped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exited> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _inputSync = new();
    private SafeFileHandle? _input;
    private long _exitedAt;
    private volatile bool _timedOut;

    public GuestProcess(int pid, string tag, StartRequest request, ProcessKind kind, OutputHub output, SafeFileHandle? input, TimeProvider clock)
    {
        Pid = pid;
        Tag = tag;
        Kind = kind;
        Output = output;
        Clock = clock;
        _input = input;
        Info = new ProcessInfo
        {
            Pid = pid,
            Tag = tag,
            Cmd = request.Cmd,
            Args = { request.Args },
            Kind = kind,
            StartedAtUnixMs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }

    public int Pid { get; }

    public string Tag { get; }

    public ProcessKind Kind { get; }

    public ProcessInfo Info { get; }

    public OutputHub Output { get; }

    public TimeProvider Clock { get; }

    /// <summary>Timestamp (of <see cref="Clock"/>) of the reaped exit, or null while running.</summary>
    public long? ExitedAt => _reaped.Task.IsCompleted ? Interlocked.Read(ref _exitedAt) : null;

    /// <summary>The exit, once reaped and all output delivered.</summary>
    public Task<Exited> Completion => _completed.Task;

    /// <summary>The write side of the process's stdin or PTY master, while it is open.</summary>
    public SafeFileHandle? Input => _input;

    /// <summary>Called by the reaper (under the table's lock) when the kernel reports the exit.</summary>
    public void OnReaped(ChildExit exit)
    {
        Interlocked.Exchange(ref _exitedAt, Clock.GetTimestamp());
        _reaped.TrySetResult(exit);
        // Its output sources now end after a quiet spell: the poller must start timing them.
        OutputPoller.Nudge();
    }

    /// <summary>Waits for the exit and the end of its output, then delivers the exit to every consumer.</summary>
    public async Task CompleteAsync(Task outputEnded, Action<GuestProcess> onCompleted)
    {
        var exit = await _reaped.Task.ConfigureAwait(false);
        await outputEnded.ConfigureAwait(false);
        var exited = new Exited { ExitCode = exit.ExitCode, Signal = exit.Signal, TimedOut = _timedOut };
        CloseInput();
        onCompleted(this);
        await Output.CompleteAsync(OutputEvent.Exit(exited)).ConfigureAwait(false);
        _completed.TrySetResult(exited);
    }

    /// <summary>Sends <paramref name="signal"/> to the process group; false when it is gone already.</summary>
    public bool Signal(int signal) => Children.SignalGroup(Pid, signal) == 0;

    /// <summary>Kills the group when <paramref name="timeout"/> passes before the exit.</summary>
    public void KillAfter(TimeSpan timeout)
    {
        _ = Task.Delay(timeout, Clock).ContinueWith(_ =>
        {
            if (!_reaped.Task.IsCompleted)
            {
                _timedOut = true;
                Signal(ProcessSignals.Kill);
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Writes all of <paramref name="data"/> to stdin (blocking while the pipe is full); false when closed.</summary>
    public bool WriteInput(ReadOnlySpan<byte> data)
    {
        lock (_inputSync)
        {
            if (_input is null)
            {
                return false;
            }

            while (!data.IsEmpty)
            {
                var written = FdIo.Write(_input, data);
                if (written == -Linux.Errno.EINTR || written == -Linux.Errno.EAGAIN)
                {
                    continue;
                }

                if (written <= 0)
                {
                    // EPIPE: the process closed its stdin or exited; the rest has no reader.
                    return false;
                }

                data = data[written..];
            }

            return true;
        }
    }

    public void CloseInput()
    {
        lock (_inputSync)
        {
            _input?.Dispose();
            _input = null;
        }
    }
}
