using System.Globalization;

namespace Wrenn.HostAgent.Vmm;

/// <summary>
/// A VMM process identified by pid and kernel start time, so that a recycled pid is never taken for
/// the capsule's VMM after a host agent restart.
/// </summary>
public sealed record VmmProcess(int Pid, long StartTicks)
{
    /// <summary>Reads the identity of a live process; null when it does not exist.</summary>
    public static VmmProcess? Find(int pid)
    {
        var startTicks = ReadStartTicks(pid);
        return startTicks is null ? null : new VmmProcess(pid, startTicks.Value);
    }

    public bool IsAlive => ReadStartTicks(Pid) == StartTicks && !IsZombie();

    /// <summary>SIGKILL, if it is still this process.</summary>
    public void Kill()
    {
        if (IsAlive)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(Pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private bool IsZombie() => StatFields(Pid) is { } fields && fields[0] == "Z";

    private static long? ReadStartTicks(int pid) =>
        StatFields(pid) is { } fields && long.TryParse(fields[19], CultureInfo.InvariantCulture, out var ticks) ? ticks : null;

    // The fields of /proc/PID/stat after "(comm)", which may itself contain spaces: state is [0],
    // starttime (field 22 of proc(5)) is [19].
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = text.LastIndexOf(')');
            if (afterName < 0)
            {
                return null;
            }

            var fields = text[(afterName + 2)..].Split(' ');
            return fields.Length > 19 ? fields : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
