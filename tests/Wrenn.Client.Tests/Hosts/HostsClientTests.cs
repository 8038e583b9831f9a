using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Hosts;

[Collection("server")]
public sealed class HostsClientTests(ClientServer server)
{
    [Fact]
    public async Task AnAdmin_ListsTheLocalHost_DrainsIt_AndManagesANewHost()
    {
        var (admin, adminSession) = await server.NewSessionAsync(admin: true);
        HostInfo local;
        using (admin)
        {
            local = Assert.Single(await admin.Hosts.ListAsync(), host => host.Address == "in-process");
            Assert.Equal((HostType.Regular, HostStatus.Online, null), (local.Type, local.Status, local.TeamId));
            Assert.True(local.CpuCores > 0 && local.MemoryMb > 0);
            Assert.Equal(local.Id, (await admin.Hosts.GetAsync(local.Id)).Id);

            try
            {
                Assert.Equal(HostStatus.Draining, (await admin.Hosts.DrainAsync(local.Id)).Status);
                Assert.Equal(HostStatus.Draining, (await admin.Hosts.DrainAsync(local.Id, pauseRunning: true)).Status);
            }
            finally
            {
                Assert.Equal(HostStatus.Online, (await admin.Hosts.UndrainAsync(local.Id)).Status);
            }

            var registration = await admin.Hosts.CreateAsync(new CreateHostOptions { Provider = "lab", AvailabilityZone = "rack-1" });
            var host = registration.Host;
            Assert.Equal((HostType.Regular, HostStatus.Pending, "lab", "rack-1"), (host.Type, host.Status, host.Provider, host.AvailabilityZone));
            Assert.Matches("^[0-9a-f]{64}$", registration.RegistrationToken);
            Assert.DoesNotContain(registration.RegistrationToken, registration.ToString(), StringComparison.Ordinal);
            var renewed = await admin.Hosts.CreateRegistrationTokenAsync(host.Id);
            Assert.NotEqual(registration.RegistrationToken, renewed.RegistrationToken);
            await Assert.ThrowsAsync<InvalidStateException>(() => admin.Hosts.DrainAsync(host.Id, pauseRunning: true));
            await Assert.ThrowsAsync<InvalidStateException>(() => admin.Hosts.CreateRegistrationTokenAsync(local.Id));
            await Assert.ThrowsAsync<InvalidRequestException>(() => admin.Hosts.CreateAsync(new CreateHostOptions { TeamId = adminSession.TeamId }));

            await admin.Hosts.DeleteAsync(host.Id);
            await Assert.ThrowsAsync<NotFoundException>(() => admin.Hosts.GetAsync(host.Id));
        }

        var (member, _) = await server.NewSessionAsync();
        using (member)
        {
            // A regular host is not a plain user's to see.
            var hidden = await Assert.ThrowsAsync<NotFoundException>(() => member.Hosts.GetAsync(local.Id));
            Assert.Equal(WrennErrorCode.NotFound, hidden.Code);
        }
    }

    [Fact]
    public async Task DeletingAHostWithCapsules_NeedsForce_AndNamesThem()
    {
        var (admin, _) = await server.NewSessionAsync(admin: true);
        using (admin)
        {
            var local = Assert.Single(await admin.Hosts.ListAsync(), host => host.Address == "in-process");
            var capsule = await server.CreateRunningAsync();
            try
            {
                var refused = await Assert.ThrowsAsync<ConflictException>(() => admin.Hosts.DeleteAsync(local.Id));
                Assert.Equal(WrennErrorCode.HostHasCapsules, refused.Code);
                Assert.Contains(capsule.Id, refused.CapsuleIds);
            }
            finally
            {
                await server.Wrenn.Capsules.DeleteAsync(capsule.Id);
            }
        }
    }
}
