using System.Globalization;
using System.Net;
using Wrenn.HostAgent.Network;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// The QEMU argument list of a capsule: a microvm machine with the guest's console, QMP and agent
/// port on Unix sockets in the capsule directory, and the root disk as a qcow2 overlay. The
/// boot-hang fixes measured in docs/research are kept here: tsc_early_khz (TSC calibration under
/// TCG) and reboot=t panic=-1 with -no-reboot (a guest reboot or panic ends QEMU instead of hanging).
/// </summary>
internal static class QemuCommandLine
{
    /// <summary>The virtio-serial port name the guest agent looks for (KernelCommandLine.DefaultLink).</summary>
    public const string AgentPortName = "wrenn-agent";

    /// <summary>
    /// The QEMU config file (<c>-readconfig</c>) with the guest kernel's command line: it carries the
    /// agent secret, which must not show in the VMM's own command line (anyone on the host can read
    /// that, e.g. with <c>ps</c>). QEMU reads the file at start; it is 0600 in a 0700 directory.
    /// </summary>
    /// <param name="spec">The VM to describe.</param>
    /// <param name="tscKhz">The host TSC frequency, passed to the guest kernel.</param>
    /// <param name="resolvers">The capsule's DNS servers, when it has a network card.</param>
    public static string KernelConfig(VmSpec spec, long tscKhz, IReadOnlyList<IPAddress> resolvers)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var kernelArguments = string.Join(' ', new[]
        {
            // pci=off: a microvm has no PCI bus, and the probe for one only logs an error.
            // cryptomgr.notests: the boot-time self-tests of every crypto algorithm took 250 ms of
            // an emulated cold boot; the algorithms are Debian's, tested where they were built.
            "console=ttyS0", "quiet", "loglevel=4", "pci=off", "cryptomgr.notests",
            $"tsc_early_khz={tscKhz.ToString(CultureInfo.InvariantCulture)}",
            "reboot=t", "panic=-1", "nokaslr", "root=/dev/vda",
            $"wrenn.secret={spec.AgentSecret}", $"wrenn.link=virtio:{AgentPortName}",
        }.Concat(spec.Network ? CapsuleNetwork.KernelArguments(resolvers) : []));
        return $"[machine]\n  append = \"{kernelArguments}\"\n";
    }

    /// <param name="spec">The VM to describe.</param>
    /// <param name="kvm">Hardware acceleration (else TCG).</param>
    /// <param name="incoming">Wait for a snapshot's device state to be loaded before the guest runs.</param>
    /// <param name="tap">Connect the network card (if the VM has one) to the capsule namespace's tap device; else it has no link.</param>
    /// <param name="runAs">The unprivileged uid (and gid) QEMU drops to once it has opened what it needs (<see cref="VmUsers"/>); null: it stays root.</param>
    public static IReadOnlyList<string> For(VmSpec spec, bool kvm, bool incoming = false, bool tap = true, int? runAs = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var directory = spec.Directory;
        var memory = spec.Memory;
        var backend = string.Create(CultureInfo.InvariantCulture,
            $"memory-backend-file,id=ram,size={spec.MemoryMb}M,mem-path={memory.Path},share={(memory.Shared ? "on" : "off")},prealloc={(memory.Prealloc ? "on" : "off")}");
        return
        [
            "-name", "wrenn-" + Path.GetFileName(directory.Root),
            // suppress-vmdesc: a snapshot's device state carries no JSON description to skip.
            "-M", "microvm,memory-backend=ram,suppress-vmdesc=on",
            "-object", backend,
            // TCG's translation cache defaults to 1 GiB and fills as a guest runs new code (an
            // apt-get install did): with the VM's cgroup allowing guest RAM + 512 MiB, the kernel
            // OOM-killed QEMU. 256 MiB keeps QEMU inside it; a full cache is flushed and refilled.
            "-accel", kvm ? "kvm" : "tcg,tb-size=256",
            "-cpu", kvm ? "host" : "max",
            "-m", spec.MemoryMb.ToString(CultureInfo.InvariantCulture),
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            // Virtqueue kicks as synchronous MMIO exits, not eventfds: with ioeventfd a kick of the
            // agent's virtio-serial port is now and then lost, and the guest's writes wait forever
            // (the session goes silent, even to HTTP/2 pings; cf. the virtio-console hang reported
            // for guest kernels 6.1+, whose workaround this is).
            "-global", "virtio-mmio.ioeventfd=off",
            "-pidfile", directory.PidFile,
            // QEMU's seccomp filter: its default deny list (reboot, mount, kexec, swap, module loading, …)
            // plus obsolete calls, CPU/memory policy changes and spawning processes (fork, exec):
            // QEMU is started detached by the host agent (QemuProcess) and is handed device state
            // over a socket. Privilege changes are denied too, unless QEMU is to drop to its
            // unprivileged user (-runas calls setgid/setuid under the filter; afterwards it has no
            // privilege left to change).
            "-sandbox", runAs is null ? "on,obsolete=deny,resourcecontrol=deny,spawn=deny,elevateprivileges=deny" : "on,obsolete=deny,resourcecontrol=deny,spawn=deny",
            .. runAs is { } uid ? (string[])["-runas", string.Create(CultureInfo.InvariantCulture, $"{uid}:{uid}")] : [],
            "-kernel", spec.KernelPath,
            "-initrd", spec.InitrdPath,
            "-readconfig", directory.KernelConfig,
            "-chardev", $"socket,id=console,path={directory.ConsoleSocket},server=on,wait=off",
            "-serial", "chardev:console",
            "-qmp", $"unix:{directory.QmpSocket},server=on,wait=off",
            "-chardev", $"socket,id=agent,path={directory.AgentSocket},server=on,wait=off",
            "-device", "virtio-serial-device",
            "-device", $"virtserialport,chardev=agent,name={AgentPortName}",
            // The root disk comes open from the launcher (QemuProcess), read-only and read-write:
            // QEMU re-opens it when a restore activates it, by then possibly as a user that could
            // not open the capsule's files by path; a /dev/fdset path re-opens by duplicating the
            // set's descriptor of the same access mode.
            "-add-fd", $"fd={QemuProcess.DiskReadFd},set=1,opaque=root-disk-ro",
            "-add-fd", $"fd={QemuProcess.DiskReadWriteFd},set=1,opaque=root-disk-rw",
            "-drive", "file=/dev/fdset/1,if=none,id=root,format=qcow2,discard=unmap",
            "-device", "virtio-blk-device,drive=root",
            // The network card, when the VM has one: always the same MAC, on the tap device QEMU
            // opens in the capsule's network namespace it runs in. A snapshot taken with a card
            // needs one to restore into, even where capsule networking is off: then it has no link.
            .. !spec.Network ? [] : tap
                ? (string[])["-netdev", $"tap,id=net,ifname={CapsuleNetwork.TapName},script=no,downscript=no",
                    "-device", $"virtio-net-device,netdev=net,mac={CapsuleNetwork.GuestMac}"]
                : ["-device", $"virtio-net-device,mac={CapsuleNetwork.GuestMac}"],
            // A snapshot is loaded as an incoming migration of device state only (no configuration
            // section: QEMU writes none for a device-state save). Until it completes the guest
            // does not run and QEMU leaves guest RAM untouched.
            .. incoming ? (string[])["-incoming", "defer", "-global", "migration.send-configuration=off"] : [],
        ];
    }
}
