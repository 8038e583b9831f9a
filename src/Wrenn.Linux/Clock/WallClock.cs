using System.Runtime.InteropServices;

namespace Wrenn.Linux.Clock;

/// <summary>Sets the guest's wall clock: after a resume it is wherever the snapshot left it.</summary>
public static unsafe partial class WallClock
{
    private const int CLOCK_REALTIME = 0;

    /// <summary>Sets CLOCK_REALTIME; returns 0 or errno.</summary>
    public static int Set(long unixTimeNs)
    {
        var time = new TimeSpec { Seconds = unixTimeNs / 1_000_000_000, Nanoseconds = unixTimeNs % 1_000_000_000 };
        // SAFETY: a stack struct timespec (two longs on x86-64), only read by the kernel.
        return ClockSetTime(CLOCK_REALTIME, &time) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_settime", SetLastError = true)]
    private static partial int ClockSetTime(int clock, TimeSpec* time);
}
