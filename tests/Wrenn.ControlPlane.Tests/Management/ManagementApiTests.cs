using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Management;

/// <summary>Users, sessions, teams, members, API keys and the audit log (spec §7) on a real server.</summary>
[Collection("server")]
public sealed class ManagementApiTests(ServerFixture fixture)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Signup_Login_Me_AndCredentialRules()
    {
        using var anonymous = fixture.Server.Anonymous();
        var email = NewEmail();
        var signup = await anonymous.PostAsJsonAsync("/v1/auth/signup", new { email = email.ToUpperInvariant(), password = Password, name = "Ada" });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        Assert.Equal(email, (await signup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        await (await anonymous.PostAsJsonAsync("/v1/auth/signup", new { email, password = Password, name = "Ada" })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await anonymous.PostAsJsonAsync("/v1/auth/signup", new { email = "not-an-email", password = Password, name = "Ada" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await anonymous.PostAsJsonAsync("/v1/auth/signup", new { email = NewEmail(), password = "short", name = "Ada" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");

        var wrongPassword = await (await anonymous.PostAsJsonAsync("/v1/auth/login", new { email, password = "wrong password" }))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var unknownEmail = await (await anonymous.PostAsJsonAsync("/v1/auth/login", new { email = NewEmail(), password = Password }))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(wrongPassword.GetProperty("message").GetString(), unknownEmail.GetProperty("message").GetString());

        using var session = await LoginAsync(email);
        var me = await session.GetFromJsonAsync<JsonElement>("/v1/me");
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal("owner", me.GetProperty("role").GetString());
        Assert.StartsWith("team-", me.GetProperty("team_id").GetString(), StringComparison.Ordinal);

        // Session-only routes refuse an API key alone; capsule routes take sessions too.
        await (await fixture.Client.GetAsync("/v1/me")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/v1/capsules")).StatusCode);
        await (await anonymous.PostAsJsonAsync("/v1/auth/activate", new { token = "anything" })).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task LoginFailures_LockOutAfterTen()
    {
        using var anonymous = fixture.Server.Anonymous();
        var email = NewEmail();
        for (var i = 0; i < 10; i++)
        {
            await (await anonymous.PostAsJsonAsync("/v1/auth/login", new { email, password = "nope nope" })).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        var locked = await anonymous.PostAsJsonAsync("/v1/auth/login", new { email, password = "nope nope" });
        await locked.AssertErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(int.Parse(locked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task ApiKeys_ShownOnce_UsableUntilRevoked_AndAudited()
    {
        var email = NewEmail();
        await SignupAsync(email);
        using var session = await LoginAsync(email);
        var created = await session.PostAsJsonAsync("/v1/api-keys", new { name = "ci" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        var plaintext = key.GetProperty("key").GetString()!;
        Assert.Matches("^wrn_[0-9a-f]{32}$", plaintext);
        Assert.Equal(plaintext[..12], key.GetProperty("key_prefix").GetString());

        using var withKey = fixture.Server.Client(plaintext);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/capsules")).StatusCode);
        var listed = await session.GetFromJsonAsync<JsonElement>("/v1/api-keys");
        var entry = Assert.Single(listed.EnumerateArray());
        Assert.False(entry.TryGetProperty("key", out _));

        var id = key.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await session.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        await (await withKey.GetAsync("/v1/capsules")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await session.DeleteAsync($"/v1/api-keys/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");

        var page = await session.GetFromJsonAsync<JsonElement>("/v1/audit-logs?resource_type=api_key&limit=1");
        Assert.Equal("api_key.delete", page.GetProperty("items")[0].GetProperty("action").GetString());
        var cursor = page.GetProperty("next_cursor").GetString();
        var older = await session.GetFromJsonAsync<JsonElement>($"/v1/audit-logs?resource_type=api_key&limit=1&cursor={cursor}");
        Assert.Equal("api_key.create", older.GetProperty("items")[0].GetProperty("action").GetString());
        Assert.Equal("user", older.GetProperty("items")[0].GetProperty("actor_type").GetString());
        Assert.DoesNotContain(plaintext, await session.GetStringAsync("/v1/audit-logs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_RolesAreEnforced_AndRemovalTakesEffectAtOnce()
    {
        var ownerEmail = NewEmail();
        var memberEmail = NewEmail();
        await SignupAsync(ownerEmail);
        await SignupAsync(memberEmail);
        using var owner = await LoginAsync(ownerEmail);
        var team = await (await owner.PostAsJsonAsync("/v1/teams", new { name = "Research" })).Content.ReadFromJsonAsync<JsonElement>();
        var teamId = team.GetProperty("id").GetString()!;
        Assert.Equal("research", team.GetProperty("slug").GetString());
        var added = await owner.PostAsJsonAsync($"/v1/teams/{teamId}/members", new { email = memberEmail });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var memberId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user_id").GetString();
        await (await owner.PostAsJsonAsync($"/v1/teams/{teamId}/members", new { email = memberEmail })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");

        using var member = await LoginAsync(memberEmail, teamId);
        await (await member.PatchAsJsonAsync($"/v1/teams/{teamId}", new { name = "Mine now" })).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        var detail = await member.GetFromJsonAsync<JsonElement>($"/v1/teams/{teamId}");
        Assert.Equal(2, detail.GetProperty("members").GetArrayLength());
        var ownerTeams = await owner.GetFromJsonAsync<JsonElement>("/v1/teams");
        var ownersPersonal = ownerTeams.EnumerateArray().First(t => t.GetProperty("id").GetString() != teamId).GetProperty("id").GetString();
        await (await member.GetAsync($"/v1/teams/{ownersPersonal}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync($"/v1/teams/{teamId}/members/{memberId}", new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.PatchAsJsonAsync($"/v1/teams/{teamId}", new { name = "Renamed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/v1/teams/{teamId}/members/{memberId}")).StatusCode);
        await (await member.GetAsync("/v1/capsules")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // A build in progress goes with its team: cancelled, its capsule deleted, its rows forgotten.
        using (var inTeam = await LoginAsync(ownerEmail, teamId))
        {
            var build = await inTeam.PostAsJsonAsync("/v1/builds", new { name = "doomed", recipe = new[] { "RUN --timeout=10m sleep 600" }, skip_pre_post = true });
            Assert.Equal(HttpStatusCode.Created, build.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/v1/teams/{teamId}")).StatusCode);
        await (await owner.GetAsync($"/v1/teams/{teamId}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AnotherTeamsCapsule_IsNotFound_AndNotListed()
    {
        var id = await fixture.Client.CreateRunningAsync();
        var email = NewEmail();
        await SignupAsync(email);
        using var stranger = await LoginAsync(email);
        await (await stranger.GetAsync($"/v1/capsules/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.DeleteAsync($"/v1/capsules/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        var listed = await stranger.GetFromJsonAsync<JsonElement>("/v1/capsules?status=all");
        Assert.Equal(0, listed.GetArrayLength());
        Assert.Equal("running", (await fixture.Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        await fixture.Client.DeleteAsync($"/v1/capsules/{id}");
    }

    private static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    private async Task SignupAsync(string email)
    {
        using var anonymous = fixture.Server.Anonymous();
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/v1/auth/signup", new { email, password = Password, name = "Tester" })).StatusCode);
    }

    /// <summary>A client carrying a session of <paramref name="email"/> (switched to <paramref name="teamId"/> when given).</summary>
    private async Task<HttpClient> LoginAsync(string email, string? teamId = null)
    {
        var client = fixture.Server.Anonymous();
        var session = await (await client.PostAsJsonAsync("/v1/auth/login", new { email, password = Password })).Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
        if (teamId is not null)
        {
            var switched = await (await client.PostAsJsonAsync("/v1/auth/switch-team", new { team_id = teamId })).Content.ReadFromJsonAsync<JsonElement>();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", switched.GetProperty("token").GetString());
        }

        return client;
    }
}
