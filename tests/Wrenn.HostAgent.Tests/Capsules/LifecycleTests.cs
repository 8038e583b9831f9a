using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Vmm.Qemu;
using Wrenn.HostAgent.Vmm;

namespace Wrenn.HostAgent.Tests.Capsules;

/// <summary>Each test boots its own capsule: these tests end or take over VMs.</summary>
public sealed class LifecycleTests : OwnRuntimeTests
{
    [Fact]
    public async Task KilledVmm_IsDetectedAsACrash()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        var crashed = new TaskCompletionSource<VmExit>();
        Runtime.Crashed += (id, exit) =>
        {
            if (id == capsule.Id)
            {
                crashed.TrySetResult(exit);
            }
        };

        using (var process = System.Diagnostics.Process.GetProcessById(capsule.Vm.Process.Pid))
        {
            process.Kill();
        }

        var exit = await crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(exit.Expected);
        Assert.Equal("vmm exited unexpectedly", exit.Reason);
        Assert.Null(Runtime.Find(capsule.Id));
    }

    [Fact]
    public async Task TheVmm_RunsUnderSeccomp_AndItsCommandLineNeverShowsTheAgentSecret()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());

        // World-readable: what ps shows anyone on the host.
        var commandLine = (await File.ReadAllTextAsync($"/proc/{capsule.Vm.Process.Pid}/cmdline")).Replace('\0', ' ');
        Assert.Contains("-readconfig", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("wrenn.secret", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(capsule.State.Secret, commandLine, StringComparison.Ordinal);
        Assert.False(File.Exists(capsule.Directory.KernelConfig));
        // QEMU runs under its seccomp filter (mode 2: filter), as an unprivileged identity of its own.
        var status = await File.ReadAllTextAsync($"/proc/{capsule.Vm.Process.Pid}/status");
        Assert.Contains("Seccomp:\t2", status, StringComparison.Ordinal);
        var ids = status.Split('\n').Where(line => line.StartsWith("Uid:", StringComparison.Ordinal) || line.StartsWith("Gid:", StringComparison.Ordinal))
            .SelectMany(line => line.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1)).Select(int.Parse).Distinct().ToList();
        Assert.True(ids is [>= VmUsers.First], $"QEMU runs as {string.Join(',', ids)}");
        // Detached: it leads a session of its own, so the host agent's end (or a Ctrl-C) does not reach it.
        var stat = await File.ReadAllTextAsync($"/proc/{capsule.Vm.Process.Pid}/stat");
        var session = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3];
        Assert.Equal(capsule.Vm.Process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), session);
    }

    [Fact]
    public async Task TheVmm_RunsInACgroupWithTheLimitsOfItsSize_WhichGoesWithIt()
    {
        var cgroups = new VmCgroups();
        Assert.NotEqual(CgroupVersion.None, cgroups.Version);
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal", Vcpus: 2, MemoryMb: 384), Timeout());
        var memory = ((384L + VmCgroups.OverheadMb) * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var membership = await File.ReadAllTextAsync($"/proc/{capsule.Vm.Process.Pid}/cgroup");
        var group = $"/wrenn/{capsule.Id.Value}";
        Assert.Contains(group, membership, StringComparison.Ordinal);
        var limits = cgroups.Version == CgroupVersion.V2
            ? new[] { ($"/sys/fs/cgroup{group}/memory.max", memory), ($"/sys/fs/cgroup{group}/cpu.max", "250000 100000") }
            : [($"/sys/fs/cgroup/memory{group}/memory.limit_in_bytes", memory), ($"/sys/fs/cgroup/cpu{group}/cpu.cfs_quota_us", "250000")];
        foreach (var (file, value) in limits)
        {
            Assert.Equal(value, (await File.ReadAllTextAsync(file)).Trim());
        }

        await Runtime.DeleteAsync(capsule.Id, Timeout());
        // The group goes once the ended VMM has been reaped.
        var groups = limits.Select(limit => Path.GetDirectoryName(limit.Item1)!).ToList();
        for (var waited = 0; waited < 100 && groups.Any(Directory.Exists); waited++)
        {
            await Task.Delay(100);
        }

        Assert.All(groups, group => Assert.False(Directory.Exists(group), group));
    }

    [Fact]
    public async Task HostAgentRestart_AdoptsTheRunningCapsule_WithItsProcesses()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        await capsule.Agent.Services.RunAsync("/bin/sh", "-c", "echo before-restart > /root/state.txt");
        var pid = capsule.Vm.Process.Pid;

        await Host.RestartAsync();
        var gone = await Runtime.AdoptAllAsync(Timeout());

        Assert.Empty(gone);
        var adopted = Runtime.Find(capsule.Id);
        Assert.NotNull(adopted);
        Assert.Equal(pid, adopted.Vm.Process.Pid);
        var result = await adopted.Agent.Services.RunAsync("cat", "/root/state.txt");
        Assert.Equal("before-restart\n", result.StdoutText);
    }

    [Fact]
    public async Task Delete_StopsTheVm_AndRemovesItsFiles()
    {
        var capsule = await Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());
        var process = capsule.Vm.Process;
        var exchange = VmUsers.ExchangeOf(VmUsers.UidOf(process.Pid)!.Value);
        Assert.True(Directory.Exists(exchange));

        await Runtime.DeleteAsync(capsule.Id, Timeout());

        Assert.False(process.IsAlive);
        Assert.False(Directory.Exists(capsule.Directory.Root));
        Assert.False(Directory.Exists(exchange));
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
}
