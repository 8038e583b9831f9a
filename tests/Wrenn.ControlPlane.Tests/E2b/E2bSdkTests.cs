using System.Diagnostics;
using System.Text;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// E2B's own JavaScript SDK, the npm package pinned in <c>tests/e2b/package-lock.json</c>
/// (installed by <c>make test</c>), runs the conformance script <c>tests/e2b/sdk.test.mjs</c>
/// against the shared real server and its capsules: create, commands, files, pause and connect,
/// list, timeouts and kill, as an E2B user's code calls them.
/// </summary>
[Collection("server")]
public sealed class E2bSdkTests(ServerFixture fixture)
{
    private static readonly string Scripts = Path.Combine(WrennServer.RepositoryRoot, "tests", "e2b");

    [Fact]
    public async Task TheE2bSdk_WorksUnmodified_AgainstWrenn()
    {
        Assert.True(File.Exists(Path.Combine(Scripts, "node_modules", "e2b", "package.json")), "the pinned SDK is not installed: run `make test` (npm ci in tests/e2b)");
        var server = fixture.Server.BaseAddress.ToString().TrimEnd('/');
        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", "sdk.test.mjs"])
        {
            WorkingDirectory = Scripts,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["E2B_API_KEY"] = fixture.Server.AdminKey,
                ["E2B_API_URL"] = server + "/e2b",
                ["E2B_SANDBOX_URL"] = server,
                ["NO_COLOR"] = "1",
            },
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = new StringBuilder();
        node.OutputDataReceived += (_, line) => Append(output, line.Data);
        node.ErrorDataReceived += (_, line) => Append(output, line.Data);
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await node.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException("the SDK script ran over 15 minutes:\n" + output);
        }

        Assert.True(node.ExitCode == 0, "the E2B SDK script failed:\n" + output);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
