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

    /// <summary>
    /// The live process a pidfile names, if it is still the one that wrote it: it runs
    /// <paramref name="executableName"/> and started no later than the file was written (a recycled
    /// pid belongs to a later process). Null when there is no such file or process.
    /// </summary>
    public static VmmProcess? FromPidFile(string pidFile, string executableName)
    {
        string text;
        DateTimeOffset written;
        try
        {
            text = File.ReadAllText(pidFile);
            written = File.GetLastWriteTimeUtc(pidFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return int.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var pid) && Find(pid) is { } process
            && Path.GetFileName(ExecutableOf(pid)) == executableName && StartedAt(process.StartTicks) <= written + TimeSpan.FromSeconds(1)
            ? process
            : null;
    }

    public bool IsAlive => ReadStartTicks(Pid) == StartTicks && !IsZombie();

    /// <summary>SIGKILL, if it is still this process, and waits (at most 5 s) until it is gone.</summary>
    public async Task KillAndWaitAsync(CancellationToken cancellationToken)
    {
        Kill();
        for (var waited = 0; waited < 250 && IsAlive; waited++)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

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

    // The kernel's path of the running binary, without the " (deleted)" of one replaced on disk.
    private static string? ExecutableOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget?.Replace(" (deleted)", string.Empty, StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // starttime counts clock ticks since boot; /proc reports them at USER_HZ, 100 on Linux, and the
    // boot time (btime of /proc/stat) in whole seconds, so the result is exact to a second.
    private static DateTimeOffset StartedAt(long startTicks)
    {
        var bootSeconds = File.ReadLines("/proc/stat").First(line => line.StartsWith("btime ", StringComparison.Ordinal))[6..];
        return DateTimeOffset.FromUnixTimeSeconds(long.Parse(bootSeconds, CultureInfo.InvariantCulture)) + TimeSpan.FromSeconds(startTicks / 100.0);
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
