using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tests.Machine;

public sealed class MachineServiceTests(AgentServerFixture agent) : IClassFixture<AgentServerFixture>
{
    private Agent.Protocol.Machine.MachineClient Client => new(agent.Server.Invoker);

    [Fact]
    public async Task Health_ReportsVersionAndUptime()
    {
        var health = await Client.HealthAsync(new HealthRequest(), AgentServer.Authorized());

        Assert.False(string.IsNullOrEmpty(health.AgentVersion));
        Assert.True(health.UptimeSec > 0);
    }
}
