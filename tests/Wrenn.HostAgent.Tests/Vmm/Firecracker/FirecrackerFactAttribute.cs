using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Tests.Vmm.Firecracker;

/// <summary>
/// A test that needs a real Firecracker: a usable /dev/kvm and the binary named by
/// WRENN_FIRECRACKER (WRENN_JAILER optionally). Reported as skipped where either is missing.
/// </summary>
public sealed class FirecrackerFactAttribute : FactAttribute
{
    public FirecrackerFactAttribute()
    {
        if (Binary is null || !File.Exists(Binary))
        {
            Skip = "set WRENN_FIRECRACKER to a firecracker binary to run this test";
        }
        else if (!HostCpu.KvmUsable)
        {
            Skip = "needs a usable /dev/kvm";
        }
    }

    public static string? Binary => Environment.GetEnvironmentVariable("WRENN_FIRECRACKER");

    public static string? Jailer => Environment.GetEnvironmentVariable("WRENN_JAILER");
}
