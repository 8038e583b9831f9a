using Wrenn.Cli.Tests.Server;

namespace Wrenn.Cli.Tests.Login;

[Collection("server")]
public sealed class LoginCommandTests(CliServer server)
{
    [Fact]
    public async Task Login_SavesTheServerAndKey_OwnerOnly_AndLogoutForgetsThem()
    {
        using var cli = new WrennCli();
        var notLoggedIn = await cli.RunAsync("capsule", "list");
        Assert.Equal(3, notLoggedIn.ExitCode);
        Assert.Contains("wrenn login", notLoggedIn.Stderr);

        var refused = await cli.RunWithInputAsync("wrn_" + new string('0', 32) + "\n", "login", "--base-url", server.Server.BaseAddress.ToString());
        Assert.Equal(3, refused.ExitCode);
        var saved = Path.Combine(cli.ConfigDirectory, "wrenn", "login.json");
        Assert.False(File.Exists(saved));

        var login = await cli.RunWithInputAsync(server.Server.AdminKey + "\n", "login", "--base-url", server.Server.BaseAddress.ToString());
        Assert.True(login.ExitCode == 0, login.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(saved));
        Assert.Equal(0, (await cli.RunAsync("capsule", "list", "--json")).ExitCode);

        // The environment overrides what is saved.
        cli.Environment["WRENN_API_KEY"] = "wrn_" + new string('1', 32);
        Assert.Equal(3, (await cli.RunAsync("capsule", "list")).ExitCode);
        cli.Environment.Remove("WRENN_API_KEY");

        Assert.Equal(0, (await cli.RunAsync("logout")).ExitCode);
        Assert.False(File.Exists(saved));
        Assert.Equal(3, (await cli.RunAsync("capsule", "list")).ExitCode);
    }
}
