using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.HostAgent.Tests.Vmm;

public sealed class QemuCommandLineTests
{
    private static readonly VmSpec Spec = new(new CapsuleDirectory("/data/capsules/cl-x"), 2, 1024, "/img/vmlinuz", "/img/initrd.img", "/img/minimal.ext4", "s3cret",
        new MemoryImage("/data/templates/t/memory.ram", Shared: false));

    [Fact]
    public void For_Tcg_KeepsTheBootHangFixes_WithTheSecretInTheConfigFileOnly()
    {
        var argv = QemuCommandLine.For(Spec, kvm: false);
        var config = QemuCommandLine.KernelConfig(Spec, tscKhz: 2096030);

        Assert.StartsWith("[machine]\n  append = \"", config, StringComparison.Ordinal);
        Assert.Contains("tsc_early_khz=2096030", config, StringComparison.Ordinal);
        Assert.Contains("reboot=t panic=-1", config, StringComparison.Ordinal);
        Assert.Contains("wrenn.secret=s3cret", config, StringComparison.Ordinal);
        Assert.Equal("/data/capsules/cl-x/kernel.cfg", argv[argv.ToList().IndexOf("-readconfig") + 1]);
        Assert.DoesNotContain(argv, argument => argument.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains("-no-reboot", argv);
        Assert.Equal("on,obsolete=deny,resourcecontrol=deny", argv[argv.ToList().IndexOf("-sandbox") + 1]);
        Assert.Contains("-daemonize", argv);
        Assert.Equal("tcg", argv[argv.ToList().IndexOf("-accel") + 1]);
        Assert.Equal("2", argv[argv.ToList().IndexOf("-smp") + 1]);
        Assert.Equal("1024", argv[argv.ToList().IndexOf("-m") + 1]);
    }

    [Fact]
    public void For_MapsGuestRamFromTheMemoryFile_AndWaitsForIncomingState()
    {
        var argv = QemuCommandLine.For(Spec, kvm: false, incoming: true).ToList();

        Assert.Equal("microvm,memory-backend=ram,suppress-vmdesc=on", argv[argv.IndexOf("-M") + 1]);
        Assert.Equal("memory-backend-file,id=ram,size=1024M,mem-path=/data/templates/t/memory.ram,share=off,prealloc=off", argv[argv.IndexOf("-object") + 1]);
        Assert.Equal("defer", argv[argv.IndexOf("-incoming") + 1]);
        Assert.Contains("migration.send-configuration=off", argv);
        Assert.DoesNotContain("-incoming", QemuCommandLine.For(Spec, kvm: false));
    }

    [Fact]
    public void For_Kvm_UsesTheHostCpu()
    {
        var argv = QemuCommandLine.For(Spec, kvm: true).ToList();

        Assert.Equal("kvm", argv[argv.IndexOf("-accel") + 1]);
        Assert.Equal("host", argv[argv.IndexOf("-cpu") + 1]);
    }
}
