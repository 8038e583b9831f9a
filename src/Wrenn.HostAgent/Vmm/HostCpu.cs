using System.Globalization;

namespace Wrenn.HostAgent.Vmm;

/// <summary>Facts about the host CPU that VMM command lines depend on.</summary>
public static class HostCpu
{
    /// <summary>True when hardware virtualization can be used (/dev/kvm opens read-write).</summary>
    public static bool KvmUsable
    {
        get
        {
            try
            {
                using var kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The TSC frequency in kHz. Under TCG the guest TSC runs at the host's rate, and microvm has no
    /// HPET or PM timer to calibrate against: without tsc_early_khz about 30 % of boots hang.
    /// </summary>
    public static long TscKhz()
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("cpu MHz", StringComparison.Ordinal)
                && double.TryParse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture, out var mhz))
            {
                return (long)Math.Round(mhz * 1000);
            }
        }

        throw new InvalidOperationException("/proc/cpuinfo has no cpu MHz line");
    }
}
