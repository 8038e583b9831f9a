using System.Diagnostics;
using System.Text;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>Runs a test script of <c>tests/e2b</c> with Node's test runner and the pinned E2B SDK; fails the test with its output.</summary>
internal static class NodeScripts
{
    private static readonly string Directory = Path.Combine(WrennServer.RepositoryRoot, "tests", "e2b");

    /// <summary>The SDK's plain-HTTP mode against <paramref name="server"/>: the API under /e2b, sandboxes by E2B's routing headers.</summary>
    public static Dictionary<string, string> PlainHttp(WrennServer server)
    {
        var address = server.BaseAddress.ToString().TrimEnd('/');
        return new Dictionary<string, string>
        {
            ["E2B_API_KEY"] = server.AdminKey,
            ["E2B_API_URL"] = address + "/e2b",
            ["E2B_SANDBOX_URL"] = address,
        };
    }

    public static async Task RunAsync(string script, IReadOnlyDictionary<string, string> environment, params string[] nodeOptions)
    {
        Assert.True(File.Exists(Path.Combine(Directory, "node_modules", "e2b", "package.json")), "the pinned SDK is not installed: run `make test` (npm ci in tests/e2b)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in nodeOptions.Concat(["--test", "--test-reporter=spec", script]))
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the script is given: an E2B_* variable of the machine must not redirect it.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("E2B_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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
            throw new TimeoutException($"{script} ran over 15 minutes:\n{output}");
        }

        Assert.True(node.ExitCode == 0, $"{script} failed:\n{output}");
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
