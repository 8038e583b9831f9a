using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Wrenn.Bench;

/// <summary>
/// Issue "E2B compatibility": E2B's own SDKs (the npm packages pinned in tests/e2b) against a live
/// server — create, a command, a small file written and read, info, and connect-resume — each
/// alternating with the same operation through Wrenn's API from the same Node process
/// (tests/e2b/bench.mjs). What the E2B surface adds is the median of the differences of each pair
/// (the two run next to each other, so a machine that slows down for a while shifts both); and the
/// code interpreter's run of <c>1 + 1</c> (E2B's side only).
/// </summary>
internal static class E2bBenchmark
{
    private const double OverheadTarget = 5;

    private static readonly string Scripts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../tests/e2b"));

    private static readonly (string Op, string Name, string Unit, double Scale)[] Operations =
    [
        ("create", "create until running", "s", 1000),
        ("run", "command `true` (bash -l -c, user)", "ms", 1),
        ("write", "write 1 KiB", "ms", 1),
        ("read", "read 1 KiB", "ms", 1),
        ("info", "sandbox info", "ms", 1),
        ("resume", "resume until running", "s", 1000),
        ("run_code", "code interpreter `1 + 1`", "ms", 1),
    ];

    public static async Task RunAsync(ApiServer server)
    {
        var samples = new Dictionary<(string, string), Samples>();
        var inOrder = new Dictionary<(string, string), List<double>>();
        foreach (var (op, name, unit, _) in Operations)
        {
            samples[(op, "e2b")] = new Samples("E2B SDK: " + name, unit, target: null);
            samples[(op, "wrenn")] = new Samples("Wrenn API: " + name, unit, target: null);
        }

        foreach (var line in await RunScriptAsync(server))
        {
            using var sample = JsonDocument.Parse(line);
            var root = sample.RootElement;
            var op = root.GetProperty("op").GetString()!;
            var scale = Operations.Single(operation => operation.Op == op).Scale;
            var key = (op, root.GetProperty("surface").GetString()!);
            samples[key].Add(root.GetProperty("ms").GetDouble() / scale);
            (inOrder.TryGetValue(key, out var values) ? values : inOrder[key] = []).Add(root.GetProperty("ms").GetDouble());
        }

        Console.WriteLine();
        Console.WriteLine("E2B compatibility (E2B's JS SDK and Wrenn's API, alternating, from one Node process)");
        Console.WriteLine(Wrenn.Bench.Samples.Header());
        var overheads = new List<(string Op, double Ms)>();
        foreach (var (op, _, _, _) in Operations)
        {
            var e2b = samples[(op, "e2b")];
            var wrenn = samples[(op, "wrenn")];
            Console.WriteLine(e2b.Row());
            if (wrenn.Count > 0)
            {
                Console.WriteLine(wrenn.Row());
                overheads.Add((op, MedianOf(inOrder[(op, "e2b")].Zip(inOrder[(op, "wrenn")], (ours, theirs) => ours - theirs).ToList())));
            }
        }

        var largest = overheads.MaxBy(overhead => overhead.Ms);
        Console.WriteLine(string.Join("; ", overheads.Select(overhead => string.Create(CultureInfo.InvariantCulture,
            $"{overhead.Op} {overhead.Ms:0.0} ms ({samples[(overhead.Op, "e2b")].Median / samples[(overhead.Op, "wrenn")].Median:0.00}x)"))));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"largest E2B-surface overhead: {largest.Op}, {largest.Ms:0.0} ms (target <= {OverheadTarget})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT e2b create_s={samples[("create", "e2b")].Median:0.000} run_p50_ms={samples[("run", "e2b")].Median:0.0} resume_s={samples[("resume", "e2b")].Median:0.000} run_code_p50_ms={samples[("run_code", "e2b")].Median:0.0} overhead_ms={largest.Ms:0.0}"));
    }

    private static double MedianOf(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>The script's sample lines; its failure ends the benchmark with its output.</summary>
    private static async Task<List<string>> RunScriptAsync(ApiServer server)
    {
        var address = server.Address.ToString().TrimEnd('/');
        var start = new ProcessStartInfo("node", ["bench.mjs"])
        {
            WorkingDirectory = Scripts,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["E2B_API_KEY"] = server.Key,
                ["E2B_API_URL"] = address + "/e2b",
                ["E2B_SANDBOX_URL"] = address,
                ["WRENN_URL"] = address,
                ["WRENN_API_KEY"] = server.Key,
            },
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = node.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await node.StandardOutput.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        await node.WaitForExitAsync();
        return node.ExitCode == 0 ? lines : throw new InvalidOperationException("tests/e2b/bench.mjs failed:\n" + await errors);
    }
}
