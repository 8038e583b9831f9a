using Wrenn.Cli.Tests.Server;

namespace Wrenn.Cli.Tests.Templates;

[Collection("server")]
public sealed class TemplateCommandTests(CliServer server)
{
    [Fact]
    public async Task TemplateList_ShowsThePlatformTemplates_AndRmOfOneIsRefused()
    {
        var listed = await server.Cli.RunAsync("template", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Contains(listed.Json().EnumerateArray(), template => template.GetProperty("name").GetString() == "minimal");

        var refused = await server.Cli.RunAsync("template", "rm", "minimal");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("forbidden", refused.Stderr);
    }
}
