using System.Diagnostics;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.Cli.Tests.Server;

/// <summary>What one run of <c>wrenn</c> printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;
}

/// <summary>
/// Runs the published <c>wrenn</c> (artifacts/wrenn, from <c>make build</c>) with its own config
/// directory, so a developer's saved login is never read or overwritten.
/// </summary>
public sealed class WrennCli : IDisposable
{
    private readonly string _configDirectory = Directory.CreateTempSubdirectory("wrenn-cli-").FullName;

    public static string Executable { get; } = Path.Combine(WrennServer.RepositoryRoot, "artifacts", "wrenn", "wrenn");

    /// <summary>Environment every run gets (the server's address and key, unless a test removes them).</summary>
    public Dictionary<string, string?> Environment { get; } = [];

    public string ConfigDirectory => _configDirectory;

    public async Task<CliRun> RunAsync(params string[] arguments) => await RunWithInputAsync(null, arguments);

    public async Task<CliRun> RunWithInputAsync(string? input, params string[] arguments)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run `make build`");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Variables())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The environment of a run: the test's settings over a clean slate of WRENN_* variables.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Variables()
    {
        var variables = new Dictionary<string, string?>
        {
            ["XDG_CONFIG_HOME"] = _configDirectory,
            ["WRENN_BASE_URL"] = null,
            ["WRENN_API_KEY"] = null,
            ["WRENN_ACCESS_TOKEN"] = null,
        };
        foreach (var (name, value) in Environment)
        {
            variables[name] = value;
        }

        return variables;
    }

    public void Dispose() => Directory.Delete(_configDirectory, recursive: true);
}
