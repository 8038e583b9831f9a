using System.Diagnostics;
using System.Globalization;
using Wrenn.Cli.Tests.Terminals;
using Wrenn.Client;

namespace Wrenn.Bench;

/// <summary>
/// Issue "clients": the published <c>wrenn</c> command line against a live server — its start-up,
/// what <c>wrenn capsule exec</c> adds to the API's own exec latency (process start, TLS-less
/// connect, WebSocket upgrade), and how long a keystroke typed into <c>wrenn capsule shell</c> takes
/// to come back as the guest terminal's echo.
/// </summary>
internal static class CliBenchmark
{
    private const int Samples = 20;

    public static string Executable { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../wrenn/wrenn"));

    public static async Task RunAsync(ApiServer server)
    {
        using var wrenn = new WrennClient(new WrennClientOptions { BaseUrl = server.Address, ApiKey = server.Key });
        var created = await wrenn.Capsules.CreateAsync();
        var capsule = await wrenn.Capsules.WaitForStatusAsync(created.Id, CapsuleStatus.Running);
        var environment = new Dictionary<string, string?> { ["WRENN_BASE_URL"] = server.Address.ToString(), ["WRENN_API_KEY"] = server.Key };
        try
        {
            var start = new Samples("wrenn --version (start-up)", "ms", target: 150);
            var api = new Samples("API exec `true` (SDK, warm)", "ms", target: null);
            var cli = new Samples("wrenn capsule exec -- true", "ms", target: null);
            await RunCliAsync(environment, "--version");
            await wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("true"));
            for (var i = 0; i < Samples; i++)
            {
                start.Add(await RunCliAsync(environment, "--version"));
                var watch = Stopwatch.StartNew();
                await wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("true"));
                api.Add(watch.Elapsed.TotalMilliseconds);
                cli.Add(await RunCliAsync(environment, "capsule", "exec", capsule.Id.Value, "--", "true"));
            }

            var echo = await KeystrokeEchoAsync(capsule.Id, environment);
            var overhead = cli.Median - api.Median;
            Console.WriteLine();
            Console.WriteLine("Command line (NativeAOT wrenn against a live server)");
            Console.WriteLine(Wrenn.Bench.Samples.Header());
            foreach (var samples in new[] { start, api, cli, echo })
            {
                Console.WriteLine(samples.Row());
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"exec overhead of the CLI: {overhead:0.0} ms (target <= 80); ratio CLI exec / API exec: {cli.Median / api.Median:0.00}; keystroke echo / API exec: {echo.Median / api.Median:0.00}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT cli exec_overhead_ms={overhead:0.0} shell_keystroke_echo_ms={echo.Median:0.0} start_ms={start.Median:0.0}"));
        }
        finally
        {
            await wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    /// <summary>One run of <c>wrenn</c>, wall time in ms; a failure ends the benchmark.</summary>
    private static async Task<double> RunCliAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrenn {string.Join(' ', arguments)} exited {process.ExitCode}: {await errors}{await output}");
        }

        return elapsed;
    }

    /// <summary>Types single characters into <c>wrenn capsule shell</c> and times each one's echo.</summary>
    private static async Task<Samples> KeystrokeEchoAsync(CapsuleId capsule, IReadOnlyDictionary<string, string?> environment)
    {
        var echo = new Samples("shell keystroke echo", "ms", target: null);
        await using var terminal = PtyHarness.Start(Executable, ["capsule", "shell", capsule.Value], environment);
        // The guest shell's prompt (root's "# "): from then on every key typed is echoed by its line editor.
        await terminal.WaitForAsync("# ");
        for (var i = 0; i < Samples * 2; i++)
        {
            var key = (char)('a' + (i % 26));
            var at = terminal.Screen.Length;
            var watch = Stopwatch.StartNew();
            await terminal.TypeAsync(key.ToString());
            await terminal.WaitForAsync(key.ToString(), at);
            echo.Add(watch.Elapsed.TotalMilliseconds);
        }

        await terminal.TypeAsync("\u0015exit\r");
        await terminal.WaitForExitAsync();
        return echo;
    }
}
