using System.Runtime.InteropServices;

namespace Wrenn.Linux.Spawn;

/// <summary>
/// Waiting for, reaping and signalling child processes. The agent is PID 1, so every orphan in the
/// guest becomes its child; one reaper loop peeks at exits with <see cref="WaitAnyExit"/> (which
/// leaves the zombie in place) and then decides, under its own lock, who gets the status.
/// </summary>
public static unsafe partial class Children
{
    // sys/wait.h, linux/wait.h
    private const int P_ALL = 0;
    private const int P_PID = 1;
    private const int WEXITED = 4;
    private const int WNOWAIT = 0x01000000;
    private const int WNOHANG = 1;
    // siginfo_t codes for SIGCHLD (asm-generic/siginfo.h)
    private const int CLD_EXITED = 1;
    // siginfo_t: 128 bytes; si_code at 8, then the union at 16: si_pid (16), si_uid (20), si_status (24).
    private const int SiginfoBytes = 128;

    /// <summary>
    /// Blocks until some child has exited and returns its pid without reaping it; 0 when there
    /// are no children at all (ECHILD), so the caller can wait for one to be started.
    /// </summary>
    public static int WaitAnyExit()
    {
        var info = stackalloc byte[SiginfoBytes];
        while (true)
        {
            new Span<byte>(info, SiginfoBytes).Clear();
            // SAFETY: info is a zeroed 128-byte stack buffer, the size of siginfo_t; the kernel
            // writes at most that much.
            if (WaitId(P_ALL, 0, info, WEXITED | WNOWAIT) == 0)
            {
                return *(int*)(info + 16);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ECHILD)
            {
                return 0;
            }

            if (errno != Errno.EINTR)
            {
                throw new IOException($"waitid failed (errno {errno})", errno);
            }
        }
    }

    /// <summary>Reaps <paramref name="pid"/> if it has exited; null when it is still running or gone.</summary>
    public static ChildExit? TryReap(int pid)
    {
        var info = stackalloc byte[SiginfoBytes];
        new Span<byte>(info, SiginfoBytes).Clear();
        // SAFETY: as in WaitAnyExit, a zeroed stack buffer the size of siginfo_t.
        if (WaitId(P_PID, pid, info, WEXITED | WNOHANG) != 0 || *(int*)(info + 16) != pid)
        {
            return null;
        }

        var code = *(int*)(info + 8);
        var status = *(int*)(info + 24);
        return code == CLD_EXITED ? new ChildExit(pid, status, 0) : new ChildExit(pid, 0, status);
    }

    /// <summary>Sends <paramref name="signal"/> to the process group led by <paramref name="leader"/>; 0 or errno.</summary>
    public static int SignalGroup(int leader, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leader);
        return Kill(-leader, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Puts SIGCHLD back to its default disposition (children stay zombies until waited for, and
    /// no handler runs), replacing any handler a runtime installed.
    /// </summary>
    public static void RestoreDefaultChildSignal()
    {
        const int SIGCHLD = 17;
        // SIG_DFL is the null handler; signal() returns the previous one (or SIG_ERR), unused here.
        _ = SetSignal(SIGCHLD, 0);
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetSignal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static partial int WaitId(int idType, int id, byte* info, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
