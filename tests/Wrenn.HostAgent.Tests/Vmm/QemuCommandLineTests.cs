using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Vmm;
using Wrenn.HostAgent.Vmm.Qemu;

namespace Wrenn.HostAgent.Tests.Vmm;

public sealed class QemuCommandLineTests
{
    private static readonly VmSpec Spec = new(new CapsuleDirectory("/data/capsules/cl-x"), 2, 1024, "/img/vmlinux", "/img/initrd.img", "/img/minimal.ext4", "s3cret",
        new MemoryImage("/data/templates/t/memory.ram", Shared: false), Network: false);

    [Fact]
    public void For_Tcg_KeepsTheBootHangFixes_WithTheSecretInTheConfigFileOnly()
    {
        var argv = QemuCommandLine.For(Spec, kvm: false);
        var config = QemuCommandLine.KernelConfig(Spec, tscKhz: 2096030, resolvers: []);

        Assert.StartsWith("[machine]\n  append = \"", config, StringComparison.Ordinal);
        Assert.Contains("tsc_early_khz=2096030", config, StringComparison.Ordinal);
        Assert.Contains("reboot=t panic=-1", config, StringComparison.Ordinal);
        Assert.Contains("wrenn.secret=s3cret", config, StringComparison.Ordinal);
        Assert.Equal("/data/capsules/cl-x/kernel.cfg", argv[argv.ToList().IndexOf("-readconfig") + 1]);
        Assert.Equal("/img/vmlinux", argv[argv.ToList().IndexOf("-kernel") + 1]);
        Assert.DoesNotContain(argv, argument => argument.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains("-no-reboot", argv);
        Assert.Equal("on,obsolete=deny,resourcecontrol=deny,spawn=deny,elevateprivileges=deny", argv[argv.ToList().IndexOf("-sandbox") + 1]);
        var unprivileged = QemuCommandLine.For(Spec, kvm: false, runAs: VmUsers.First).ToList();
        Assert.Equal($"{VmUsers.First}:{VmUsers.First}", unprivileged[unprivileged.IndexOf("-runas") + 1]);
        Assert.Equal("on,obsolete=deny,resourcecontrol=deny,spawn=deny", unprivileged[unprivileged.IndexOf("-sandbox") + 1]);
        Assert.DoesNotContain("-runas", argv);
        Assert.DoesNotContain("-daemonize", argv);
        Assert.Equal("tcg,tb-size=256", argv[argv.ToList().IndexOf("-accel") + 1]);
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
    public void For_WithANetworkCard_UsesTheTapInItsNamespace_OrNoLinkWithoutOne()
    {
        var networked = Spec with { Network = true };

        var argv = QemuCommandLine.For(networked, kvm: false).ToList();
        var config = QemuCommandLine.KernelConfig(networked, tscKhz: 1, resolvers: [System.Net.IPAddress.Parse("192.0.2.53")]);

        Assert.Equal("tap,id=net,ifname=tap0,script=no,downscript=no", argv[argv.IndexOf("-netdev") + 1]);
        Assert.Contains("virtio-net-device,netdev=net,mac=06:00:a9:fe:00:15", argv);
        Assert.Contains("wrenn.net=169.254.0.21/30,169.254.0.22 wrenn.dns=192.0.2.53", config, StringComparison.Ordinal);
        var unlinked = QemuCommandLine.For(networked, kvm: false, tap: false).ToList();
        Assert.DoesNotContain("-netdev", unlinked);
        Assert.Contains("virtio-net-device,mac=06:00:a9:fe:00:15", unlinked);
        Assert.DoesNotContain(QemuCommandLine.For(Spec, kvm: false), argument => argument.Contains("virtio-net", StringComparison.Ordinal));
        Assert.DoesNotContain("wrenn.net", QemuCommandLine.KernelConfig(Spec, tscKhz: 1, resolvers: []), StringComparison.Ordinal);
    }

    [Fact]
    public void For_Kvm_UsesTheHostCpu()
    {
        var argv = QemuCommandLine.For(Spec, kvm: true).ToList();

        Assert.Equal("kvm", argv[argv.IndexOf("-accel") + 1]);
        Assert.Equal("host", argv[argv.IndexOf("-cpu") + 1]);
    }
}
