using System.Diagnostics;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Decides whether QEMU can really run our guests under KVM. An openable /dev/kvm is not enough:
/// some hosts expose a KVM flavour that only runs specially built guests (e.g. kvm-pvm on nested
/// clouds, where QEMU aborts setting vCPU MSRs). So a paused microvm is started with KVM and told
/// to quit over QMP; only a clean exit means KVM works. It takes a few tens of milliseconds, once.
/// </summary>
internal static class KvmProbe
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static bool Works(string qemuBinary)
    {
        if (!HostCpu.KvmUsable)
        {
            return false;
        }

        var start = new ProcessStartInfo(qemuBinary)
        {
            ArgumentList = { "-accel", "kvm", "-cpu", "host", "-M", "microvm", "-m", "64", "-nodefaults", "-no-user-config", "-display", "none", "-S", "-qmp", "stdio" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var qemu = Process.Start(start);
            if (qemu is null)
            {
                return false;
            }

            qemu.StandardInput.Write("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n");
            qemu.StandardInput.Close();
            _ = qemu.StandardOutput.ReadToEndAsync();
            _ = qemu.StandardError.ReadToEndAsync();
            if (!qemu.WaitForExit(Limit))
            {
                qemu.Kill();
                return false;
            }

            return qemu.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
