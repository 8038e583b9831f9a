using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Tests.Capsules;

namespace Wrenn.HostAgent.Tests.Guest;

[Collection(MinimalCapsuleGroup.Name)]
public sealed class AgentAuthTests(MinimalCapsule booted)
{
    [Fact]
    public async Task WrongSecret_IsRefused_AndTheRightOneStillWorks()
    {
        // QEMU serves one client per agent socket, so an intruder would have to speak on the
        // capsule's own connection: present a wrong secret there.
        var capsule = booted.Capsule;
        var secret = capsule.State.Secret;
        capsule.Agent.UseSecret(new string('0', 64));
        try
        {
            var failure = await Assert.ThrowsAsync<RpcException>(async () =>
                await capsule.Agent.Machine.HealthAsync(new HealthRequest(), cancellationToken: Timeout()));

            Assert.Equal(AgentErrorCode.Unauthenticated, AgentErrors.CodeOf(failure));
        }
        finally
        {
            capsule.Agent.UseSecret(secret);
        }

        var health = await capsule.Agent.Machine.HealthAsync(new HealthRequest(), cancellationToken: Timeout());
        Assert.False(string.IsNullOrEmpty(health.AgentVersion));
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
