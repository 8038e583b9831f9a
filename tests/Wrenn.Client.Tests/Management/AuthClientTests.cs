using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Management;

[Collection("server")]
public sealed class AuthClientTests(ClientServer server)
{
    [Fact]
    public async Task ASignedUpUser_LogsIn_SeesItself_AndSwitchesTeams()
    {
        using var anonymous = server.Connect();
        var email = $"Signup-{Guid.NewGuid():N}@Example.com";
        var account = await anonymous.Auth.SignupAsync(email, "a long enough password", "Ada");
        Assert.Equal((email.ToLowerInvariant(), "Ada", false), (account.Email, account.Name, account.ActivationRequired));
        await Assert.ThrowsAsync<ConflictException>(() => anonymous.Auth.SignupAsync(email, "a long enough password", "Ada"));
        await Assert.ThrowsAsync<InvalidRequestException>(() => anonymous.Auth.SignupAsync("other@example.com", "short", "Ada"));

        var session = await anonymous.Auth.LoginAsync(email, "a long enough password");
        Assert.Equal((account.UserId, TeamRole.Owner, false), (session.UserId, session.Role, session.IsAdmin));
        Assert.True(session.ExpiresAt > session.ExpiresAt.AddHours(-7) && !string.IsNullOrEmpty(session.Token));
        Assert.DoesNotContain(session.Token, session.ToString(), StringComparison.Ordinal);
        var wrong = await Assert.ThrowsAsync<UnauthorizedException>(() => anonymous.Auth.LoginAsync(email, "not the password"));
        Assert.Equal(WrennErrorCode.Unauthorized, wrong.Code);
        await Assert.ThrowsAsync<UnauthorizedException>(() => anonymous.Auth.ActivateAsync("no-such-token"));

        using var user = anonymous.WithSession(session);
        var me = await user.Auth.GetCurrentUserAsync();
        Assert.Equal((account.UserId, session.TeamId, TeamRole.Owner, "Ada"), (me.UserId, me.TeamId, me.Role, me.Name));

        var second = await user.Teams.CreateAsync("Second team");
        var switched = await user.Auth.SwitchTeamAsync(second.Id);
        Assert.Equal((second.Id, TeamRole.Owner), (switched.TeamId, switched.Role));
        using var inSecond = user.WithSession(switched);
        Assert.Equal(second.Id, (await inSecond.Auth.GetCurrentUserAsync()).TeamId);

        // Management routes want a session: the server's API key alone is refused.
        await Assert.ThrowsAsync<UnauthorizedException>(() => server.Wrenn.Auth.GetCurrentUserAsync());
        var (admin, adminSession) = await server.NewSessionAsync(admin: true);
        using (admin)
        {
            await Assert.ThrowsAsync<NotFoundException>(() => admin.Auth.SwitchTeamAsync(second.Id));
            Assert.True((await admin.Auth.GetCurrentUserAsync()).IsAdmin && adminSession.IsAdmin);
        }
    }
}
