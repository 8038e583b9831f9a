using Wrenn.Cli.Tests.Server;

namespace Wrenn.Cli.Tests.Capsules;

[Collection("server")]
public sealed class LifecycleCommandTests(CliServer server)
{
    private WrennCli Cli => server.Cli;

    [Fact]
    public async Task ACapsule_IsCreated_Listed_Paused_Resumed_AndRemoved_WithJsonForScripts()
    {
        var id = await server.CreateCapsuleAsync();
        try
        {
            var listed = await Cli.RunAsync("capsule", "list", "--json");
            Assert.Equal(0, listed.ExitCode);
            Assert.Contains(listed.Json().EnumerateArray(), capsule => capsule.GetProperty("id").GetString() == id);

            var paused = await Cli.RunAsync("capsule", "pause", id, "--json");
            Assert.Equal("paused", paused.Json().GetProperty("status").GetString());
            var resumed = await Cli.RunAsync("capsule", "resume", id, "--json");
            Assert.Equal("running", resumed.Json().GetProperty("status").GetString());

            // For people: a table with the capsule in it, without colours when not at a terminal.
            var table = await Cli.RunAsync("capsule", "ls");
            Assert.Contains(id, table.Stdout);
            Assert.DoesNotContain("\u001b[", table.Stdout);
        }
        finally
        {
            var removed = await Cli.RunAsync("capsule", "rm", id);
            Assert.Equal((0, $"Deleted {id}"), (removed.ExitCode, removed.Stdout.Trim()));
        }

        var gone = await Cli.RunAsync("capsule", "get", id, "--json");
        Assert.Equal("stopped", gone.Json().GetProperty("status").GetString());
    }

    [Fact]
    public async Task Failures_EndInTheirDocumentedExitCodes()
    {
        var unknown = await Cli.RunAsync("capsule", "get", "cl-" + new string('0', 25));
        Assert.Equal(4, unknown.ExitCode);
        Assert.Contains("not_found", unknown.Stderr);
        Assert.Equal(string.Empty, unknown.Stdout);

        var malformed = await Cli.RunAsync("capsule", "get", "nope");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("'nope' is not a capsule id", malformed.Stderr);

        var json = await Cli.RunAsync("capsule", "pause", "cl-" + new string('1', 25), "--json");
        Assert.Equal(4, json.ExitCode);
        var error = System.Text.Json.JsonDocument.Parse(json.Stderr).RootElement.GetProperty("error");
        Assert.Equal("not_found", error.GetProperty("code").GetString());
    }
}
