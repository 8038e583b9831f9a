using System.Globalization;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Machine;

/// <summary>Raw CPU, memory and root-disk counters from /proc and statfs.</summary>
internal static class ResourceCounters
{
    public static MetricsReply Sample()
    {
        var reply = new MetricsReply { CpuCount = (uint)Environment.ProcessorCount, UptimeSec = MachineFacts.UptimeSeconds };
        // "cpu  user nice system idle iowait irq softirq steal ..." in USER_HZ ticks.
        var cpu = MachineFacts.ReadLine("/proc/stat").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (cpu.Length > 5 && cpu[0] == "cpu")
        {
            var ticks = cpu.Skip(1).Take(8).Select(field => ulong.TryParse(field, CultureInfo.InvariantCulture, out var value) ? value : 0).ToArray();
            reply.CpuTotalTicks = (ulong)ticks.Sum(value => (decimal)value);
            reply.CpuIdleTicks = ticks[3] + ticks[4];
        }

        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                reply.MemTotalBytes = Kibibytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                reply.MemAvailableBytes = Kibibytes(line);
            }
        }

        var root = new DriveInfo("/");
        reply.DiskTotalBytes = (ulong)root.TotalSize;
        reply.DiskUsedBytes = (ulong)(root.TotalSize - root.TotalFreeSpace);
        return reply;
    }

    private static ulong Kibibytes(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && ulong.TryParse(fields[1], CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : 0;
    }
}
