using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Tests.Capsules;
using Wrenn.HostAgent.Tests.Guest;

namespace Wrenn.HostAgent.Tests.Snapshots;

/// <summary>Capsules from template snapshots: at once, with their own identity, and from capsules.</summary>
public sealed class TemplateSnapshotTests : OwnRuntimeTests
{
    [Fact]
    public async Task FourCapsulesAtOnce_EachWithItsOwnIdentity()
    {
        var capsules = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runtime.CreateAsync(new CapsuleSpec("minimal"), PauseResumeTests.Timeout())));

        var hostnames = new HashSet<string>();
        var randoms = new HashSet<string>();
        foreach (var capsule in capsules)
        {
            hostnames.Add((await capsule.Agent.Services.RunAsync("hostname")).StdoutText.Trim());
            randoms.Add((await capsule.Agent.Services.RunAsync("/bin/sh", "-c", "head -c 16 /dev/urandom | od -An -tx1")).StdoutText);
        }

        Assert.Equal(capsules.Select(c => c.Id.Value).ToHashSet(), hostnames);
        Assert.Equal(4, randoms.Count);
    }

    [Fact]
    public async Task SnapshotOfARunningCapsule_BecomesATemplate_WithItsFilesAndProcesses()
    {
        var source = await Runtime.CreateAsync(new CapsuleSpec("minimal"), PauseResumeTests.Timeout());
        await FileTransfers.WriteAsync(source.Agent, "/root/from-source.txt", "made in the source"u8.ToArray(), PauseResumeTests.Timeout());
        await PauseResumeTests.StartBackgroundAsync(source, "keeper", "while true; do sleep 1; done");
        var name = "snap-" + Guid.NewGuid().ToString("N")[..8];

        await Runtime.SnapshotToTemplateAsync(source.Id, name, defaults: null, PauseResumeTests.Timeout());
        var copy = await Runtime.CreateAsync(new CapsuleSpec(name), PauseResumeTests.Timeout());

        Assert.Equal("made in the source", (await copy.Agent.Services.RunAsync("cat", "/root/from-source.txt")).StdoutText);
        Assert.Contains((await copy.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: PauseResumeTests.Timeout())).Processes, p => p.Tag == "keeper");
        // The source went on as it was, and the two are independent from here.
        await copy.Agent.Services.RunAsync("rm", "/root/from-source.txt");
        Assert.Equal(0, (await source.Agent.Services.RunAsync("test", "-f", "/root/from-source.txt")).ExitCode);
    }
}
