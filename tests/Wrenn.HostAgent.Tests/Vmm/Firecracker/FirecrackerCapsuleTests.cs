using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Network;
using Wrenn.HostAgent.Tests.Capsules;
using Wrenn.HostAgent.Tests.Snapshots;
using Wrenn.HostAgent.Vmm.Firecracker;

namespace Wrenn.HostAgent.Tests.Vmm.Firecracker;

/// <summary>Capsules on a real Firecracker under KVM: create (a restore through the page server), exec, pause and resume twice.</summary>
public sealed class FirecrackerCapsuleTests
{
    [FirecrackerFact]
    public async Task Capsule_RunsCommands_AndKeepsItsProcessesAcrossTwoPauses()
    {
        var data = Directory.CreateTempSubdirectory("wrenn-fc-").FullName;
        using var networks = new CapsuleNetworks(EgressPolicy.Default, TimeProvider.System, NullLogger<CapsuleNetworks>.Instance);
        await using var pageServer = new HostAgent.PageServer.PageServer(NullLoggerFactory.Instance);
        var options = new FirecrackerOptions { Firecracker = FirecrackerFactAttribute.Binary!, Jailer = FirecrackerFactAttribute.Jailer, JailDirectory = Path.Combine(data, "jail") };
        var driver = new FirecrackerDriver(options, networks, pageServer, NullLogger<FirecrackerDriver>.Instance);
        try
        {
            await using var runtime = new CapsuleRuntime(
                new RuntimeOptions { DataDirectory = data, TemplatesDirectory = Path.Combine(data, "templates") },
                driver, TestRuntime.Images, TimeProvider.System, NullLogger<CapsuleRuntime>.Instance);
            var capsule = await runtime.CreateAsync(new CapsuleSpec("minimal"), PauseResumeTests.Timeout());
            Assert.Equal("hello\n", (await capsule.Agent.Services.RunAsync("echo", "hello")).StdoutText);
            await PauseResumeTests.StartBackgroundAsync(capsule, "counter", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done");

            for (var cycle = 0; cycle < 2; cycle++)
            {
                await Task.Delay(500);
                var before = await CountAsync(capsule);
                await runtime.PauseAsync(capsule.Id, PauseResumeTests.Timeout());
                capsule = await runtime.ResumeAsync(capsule.Id, PauseResumeTests.Timeout());
                Assert.InRange(await CountAsync(capsule), before, before + 20);
            }

            await runtime.DeleteAsync(capsule.Id, PauseResumeTests.Timeout());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<int> CountAsync(Capsule capsule) =>
        int.Parse((await capsule.Agent.Services.RunAsync("cat", "/tmp/count")).StdoutText.Trim(), CultureInfo.InvariantCulture);
}
