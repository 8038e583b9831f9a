using Wrenn.Cli.Tests.Server;

namespace Wrenn.Cli.Tests.Keys;

/// <summary>Keys and hosts need a user's session: <c>wrenn login --email</c>.</summary>
[Collection("server")]
public sealed class KeyCommandTests(CliServer server)
{
    [Fact]
    public async Task AUsersSession_CreatesListsAndRevokesKeys_AndAdminsDrainHosts()
    {
        var (email, password) = await server.Server.AddUserAsync(admin: true);
        using var cli = new WrennCli();
        var login = await cli.RunWithInputAsync(password + "\n", "login", "--base-url", server.Server.BaseAddress.ToString(), "--email", email);
        Assert.True(login.ExitCode == 0, login.Stderr);

        var created = await cli.RunAsync("key", "create", "from-the-cli", "--json");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var key = created.Json();
        var (keyId, secret) = (key.GetProperty("id").GetString()!, key.GetProperty("key").GetString()!);
        Assert.StartsWith("wrn_", secret);
        Assert.Contains((await cli.RunAsync("key", "list", "--json")).Json().EnumerateArray(), listed => listed.GetProperty("id").GetString() == keyId);

        // The new key works for capsule commands, until it is revoked.
        using var withKey = new WrennCli();
        withKey.Environment["WRENN_BASE_URL"] = server.Server.BaseAddress.ToString();
        withKey.Environment["WRENN_API_KEY"] = secret;
        Assert.Equal(0, (await withKey.RunAsync("capsule", "list")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("key", "revoke", keyId)).ExitCode);
        Assert.Equal(3, (await withKey.RunAsync("capsule", "list")).ExitCode);

        var hosts = (await cli.RunAsync("host", "list", "--json")).Json();
        var host = hosts.EnumerateArray().First().GetProperty("id").GetString()!;
        try
        {
            var drained = await cli.RunAsync("host", "drain", host, "--json");
            Assert.Equal("draining", drained.Json().GetProperty("status").GetString());
        }
        finally
        {
            var undrained = await cli.RunAsync("host", "undrain", host, "--json");
            Assert.Equal("online", undrained.Json().GetProperty("status").GetString());
        }
    }
}
