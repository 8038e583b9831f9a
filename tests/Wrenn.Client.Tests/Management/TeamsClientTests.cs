using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Management;

[Collection("server")]
public sealed class TeamsClientTests(ClientServer server)
{
    [Fact]
    public async Task ATeam_IsCreated_Renamed_Staffed_AndDeleted()
    {
        var (owner, _) = await server.NewSessionAsync();
        var (member, memberSession) = await server.NewSessionAsync();
        using (owner)
        using (member)
        {
            var team = await owner.Teams.CreateAsync("Research");
            Assert.Equal(("Research", TeamRole.Owner), (team.Name, team.Role));
            Assert.Contains(await owner.Teams.ListAsync(), listed => listed.Id == team.Id);
            Assert.Equal("Lab", (await owner.Teams.RenameAsync(team.Id, "Lab")).Name);

            var added = await owner.Teams.AddMemberAsync(team.Id, memberSession.Email);
            Assert.Equal((memberSession.UserId, TeamRole.Member), (added.UserId, added.Role));
            await Assert.ThrowsAsync<ConflictException>(() => owner.Teams.AddMemberAsync(team.Id, memberSession.Email));
            await Assert.ThrowsAsync<NotFoundException>(() => owner.Teams.AddMemberAsync(team.Id, "nobody@example.com"));

            // A plain member may read the team, not manage it.
            var details = await member.Teams.GetAsync(team.Id);
            Assert.Equal(("Lab", TeamRole.Member), (details.Team.Name, details.Team.Role));
            Assert.Equal([TeamRole.Member, TeamRole.Owner], details.Members.Select(m => m.Role).Order());
            await Assert.ThrowsAsync<ForbiddenException>(() => member.Teams.RenameAsync(team.Id, "Mine"));

            Assert.Equal(TeamRole.Admin, (await owner.Teams.ChangeMemberRoleAsync(team.Id, memberSession.UserId, TeamRole.Admin)).Role);
            Assert.Equal("Lab 2", (await member.Teams.RenameAsync(team.Id, "Lab 2")).Name);
            var ownerId = (await owner.Auth.GetCurrentUserAsync()).UserId;
            await Assert.ThrowsAsync<ForbiddenException>(() => member.Teams.RemoveMemberAsync(team.Id, ownerId));
            await Assert.ThrowsAsync<ForbiddenException>(() => owner.Teams.LeaveAsync(team.Id));

            await member.Teams.LeaveAsync(team.Id);
            await Assert.ThrowsAsync<NotFoundException>(() => member.Teams.GetAsync(team.Id));
            await owner.Teams.AddMemberAsync(team.Id, memberSession.Email, TeamRole.Admin);
            await owner.Teams.RemoveMemberAsync(team.Id, memberSession.UserId);
            Assert.Equal([ownerId], (await owner.Teams.ListMembersAsync(team.Id)).Select(m => m.UserId));

            await owner.Teams.DeleteAsync(team.Id);
            Assert.DoesNotContain(await owner.Teams.ListAsync(), listed => listed.Id == team.Id);
        }
    }
}
