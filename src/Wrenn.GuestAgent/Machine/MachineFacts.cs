using System.Globalization;
using System.Reflection;

namespace Wrenn.GuestAgent.Machine;

/// <summary>Facts about the guest read from /proc, and the agent's own version.</summary>
internal static class MachineFacts
{
    public static string AgentVersion { get; } =
        typeof(MachineFacts).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string KernelVersion => ReadLine("/proc/sys/kernel/osrelease");

    public static string BootId => ReadLine("/proc/sys/kernel/random/boot_id");

    /// <summary>Seconds since boot (/proc/uptime's first field).</summary>
    public static double UptimeSeconds =>
        double.TryParse(ReadLine("/proc/uptime").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;

    public static string ReadLine(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine()?.Trim() ?? string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
