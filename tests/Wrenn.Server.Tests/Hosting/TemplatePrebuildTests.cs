using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.Server.Tests.Hosting;

/// <summary>`prebuild_templates`: a real server with an empty templates directory, on real VMs.</summary>
public sealed class TemplatePrebuildTests
{
    [Fact]
    public async Task AtStart_TheDefaultTemplateIsBuilt_AndAStopCutsTheRestShortWithoutLeavingAVm()
    {
        var templates = Directory.CreateTempSubdirectory("wrenn-prebuild-").FullName;
        try
        {
            var server = await WrennServer.StartAsync("--templates-dir", templates, "--prebuild-templates", "on");
            await using (server)
            {
                await WaitForAsync(() => server.Output.Contains("Prebuilt the snapshot of platform template minimal", StringComparison.Ordinal), TimeSpan.FromMinutes(3));

                // The first capsule restores the prebuilt snapshot: no build of its own.
                using var client = server.Client();
                var created = await (await client.PostAsJsonAsync("/v1/capsules", new { template = "minimal" })).Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("running", created.GetProperty("status").GetString());
                Assert.Single(Lines(server.Output, "Built template snapshot minimal"));
                // By now the next platform template is being built (its VM in the templates directory).
                await WaitForAsync(() => WrennServer.VmProcessesUnder(templates).Count > 0, TimeSpan.FromMinutes(1));
            }

            // Stopping the server mid-build stopped that build's VM too.
            Assert.Empty(WrennServer.VmProcessesUnder(templates));
        }
        finally
        {
            Directory.Delete(templates, recursive: true);
        }
    }

    private static IEnumerable<string> Lines(string output, string text) =>
        output.Split('\n').Where(line => line.Contains(text, StringComparison.Ordinal));

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan patience)
    {
        var deadline = TimeProvider.System.GetUtcNow() + patience;
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "timed out");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
