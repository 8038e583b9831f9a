using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Management;

[Collection("server")]
public sealed class ApiKeysClientTests(ClientServer server)
{
    [Fact]
    public async Task AKey_IsShownOnce_Works_AndStopsWorkingWhenDeleted_WhileTheAuditLogRecordsIt()
    {
        var (user, session) = await server.NewSessionAsync();
        using (user)
        {
            var created = await user.ApiKeys.CreateAsync("ci");
            Assert.Equal(("ci", session.TeamId, session.UserId, created.Key[..12]), (created.Name, created.TeamId, created.CreatedBy, created.KeyPrefix));
            Assert.StartsWith("wrn_", created.Key, StringComparison.Ordinal);
            Assert.DoesNotContain(created.Key, created.ToString(), StringComparison.Ordinal);
            Assert.Equal("Unnamed API Key", (await user.ApiKeys.CreateAsync()).Name);

            using (var keyed = server.Connect(apiKey: created.Key))
            {
                Assert.Empty(await keyed.Capsules.ListAsync().ToListAsync());
                await Assert.ThrowsAsync<UnauthorizedException>(() => keyed.ApiKeys.ListAsync());
            }

            var listed = Assert.Single(await user.ApiKeys.ListAsync(), key => key.Id == created.Id);
            Assert.IsNotType<CreatedApiKey>(listed);
            Assert.Equal(created.KeyPrefix, listed.KeyPrefix);

            await user.ApiKeys.DeleteAsync(created.Id);
            await Assert.ThrowsAsync<NotFoundException>(() => user.ApiKeys.DeleteAsync(created.Id));
            using (var revoked = server.Connect(apiKey: created.Key))
            {
                await Assert.ThrowsAsync<UnauthorizedException>(() => revoked.Capsules.ListAsync().ToListAsync().AsTask());
            }

            // The log, newest first; a page of one entry at a time walks it all.
            var entries = await user.AuditLog.ListAsync(new AuditLogQuery { ResourceType = "api_key", PageSize = 1 }).ToListAsync();
            Assert.Equal(["api_key.delete", "api_key.create", "api_key.create"], entries.Select(entry => entry.Action));
            Assert.All(entries, entry => Assert.Equal((AuditActorType.User, AuditStatus.Success, session.UserId.Value), (entry.ActorType, entry.Status, entry.ActorId)));
            Assert.Equal(created.Id.Value, entries[^1].ResourceId);

            var page = await user.AuditLog.GetPageAsync(new AuditLogQuery { Action = "api_key.create", PageSize = 1 });
            Assert.Single(page.Items);
            Assert.NotNull(page.NextCursor);
            var next = await user.AuditLog.GetPageAsync(new AuditLogQuery { Action = "api_key.create", PageSize = 1 }, page.NextCursor);
            Assert.Null(next.NextCursor);
            Assert.NotEqual(page.Items[0].Id, next.Items[0].Id);
        }
    }
}
