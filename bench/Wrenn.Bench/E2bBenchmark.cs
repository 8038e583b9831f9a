using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Wrenn.Bench;

/// <summary>
/// Issue "E2B compatibility": E2B's own SDKs (the npm packages pinned in tests/e2b) against a live
/// server — create, a command, a small file written and read, info, and connect-resume — each
/// taking turns with the same operation sent as E2B's protocol by plain fetch ("wire") and through
/// Wrenn's API, from one Node process (tests/e2b/bench.mjs); and the code interpreter's run of
/// <c>1 + 1</c> (E2B's side only). The overhead target is measured on the server, over the same
/// rounds: the median time per request outside capsule work (<c>wrenn_http_request_own_seconds</c>)
/// of E2B's route minus that of Wrenn's twin (<c>overhead_ms</c>, the largest). On the client the
/// guest's own time varies by far more than that under emulation: the clients' view (the median of
/// each round's differences, for the wire and for the SDK with its own client work) is printed
/// beside it, not taken as the measure.
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

    private static readonly (string Surface, string Name)[] Surfaces = [("e2b", "E2B SDK"), ("wire", "E2B wire"), ("wrenn", "Wrenn API")];

    public static async Task RunAsync(ApiServer apiServer)
    {
        var samples = new Dictionary<(string, string), Samples>();
        var inOrder = new Dictionary<(string, string), List<double>>();
        foreach (var (op, name, unit, _) in Operations)
        {
            foreach (var (surface, surfaceName) in Surfaces)
            {
                samples[(op, surface)] = new Samples($"{surfaceName}: {name}", unit, target: null);
                inOrder[(op, surface)] = [];
            }
        }

        var server = new List<ServerSample>();
        foreach (var line in await RunScriptAsync(apiServer))
        {
            using var sample = JsonDocument.Parse(line);
            var root = sample.RootElement;
            var op = root.GetProperty("op").GetString()!;
            var surface = root.GetProperty("surface").GetString()!;
            var scale = Operations.Single(operation => operation.Op == op).Scale;
            samples[(op, surface)].Add(root.GetProperty("ms").GetDouble() / scale);
            inOrder[(op, surface)].Add(root.GetProperty("ms").GetDouble());
            if (root.TryGetProperty("own_ms", out var own))
            {
                server.Add(new ServerSample(op, surface == "wrenn" ? "wrenn" : "e2b", own.GetDouble(), root.GetProperty("capsule_ms").GetDouble(), root.GetProperty("waits").GetDouble()));
            }
        }

        Console.WriteLine();
        Console.WriteLine("E2B compatibility (E2B's JS SDK, E2B's protocol by fetch, Wrenn's API; in turns, from one Node process)");
        Console.WriteLine(Wrenn.Bench.Samples.Header());
        foreach (var (op, _, _, _) in Operations)
        {
            foreach (var (surface, _) in Surfaces.Where(surface => samples[(op, surface.Surface)].Count > 0))
            {
                Console.WriteLine(samples[(op, surface)].Row());
            }
        }

        Console.WriteLine();
        Console.WriteLine("per request on the server, medians over the same rounds: E2B's route (SDK and wire) / Wrenn's twin");
        Console.WriteLine("| operation | requests    | own time (ms)     | overhead (ms) | capsule work (ms)   | capsule waits |");
        Console.WriteLine("|-----------|-------------|-------------------|---------------|---------------------|---------------|");
        var overheads = new List<(string Op, double Server, double Wire, double Sdk)>();
        foreach (var (op, _, _, _) in Operations.Where(operation => samples[(operation.Op, "wrenn")].Count > 0))
        {
            var e2b = server.Where(sample => sample.Op == op && sample.Side == "e2b").ToList();
            var wrenn = server.Where(sample => sample.Op == op && sample.Side == "wrenn").ToList();
            var (e2bOwn, wrennOwn) = (MedianOf(e2b.Select(sample => sample.OwnMs).ToList()), MedianOf(wrenn.Select(sample => sample.OwnMs).ToList()));
            overheads.Add((op, e2bOwn - wrennOwn, PairedMedian(inOrder[(op, "wire")], inOrder[(op, "wrenn")]), PairedMedian(inOrder[(op, "e2b")], inOrder[(op, "wrenn")])));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {op,-9} | {e2b.Count,4} / {wrenn.Count,4} | {e2bOwn,7:0.00} / {wrennOwn,7:0.00} | {e2bOwn - wrennOwn,13:+0.00;-0.00} | {MedianOf(e2b.Select(sample => sample.CapsuleMs).ToList()),8:0.0} / {MedianOf(wrenn.Select(sample => sample.CapsuleMs).ToList()),8:0.0} | {e2b.Average(sample => sample.Waits),5:0.0} / {wrenn.Average(sample => sample.Waits),5:0.0} |"));
        }

        Console.WriteLine("clients' view, median of paired differences over Wrenn's API: E2B wire / E2B SDK (with its own client work)");
        foreach (var (op, _, wire, sdk) in overheads)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {op,-8} {wire,7:+0.0;-0.0} ms / {sdk,7:+0.0;-0.0} ms"));
        }

        var largest = overheads.MaxBy(overhead => overhead.Server);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"largest E2B-surface overhead on the server: {largest.Op}, {largest.Server:0.00} ms (target <= {OverheadTarget})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT e2b create_s={samples[("create", "e2b")].Median:0.000} run_p50_ms={samples[("run", "e2b")].Median:0.0} resume_s={samples[("resume", "e2b")].Median:0.000} run_code_p50_ms={samples[("run_code", "e2b")].Median:0.0} overhead_ms={largest.Server:0.00}"));
    }

    /// <summary>The server's view of one timed request: its own time, its capsule work and how many pieces that was.</summary>
    private sealed record ServerSample(string Op, string Side, double OwnMs, double CapsuleMs, double Waits);

    private static double PairedMedian(List<double> ours, List<double> theirs) => MedianOf(ours.Zip(theirs, (one, other) => one - other).ToList());

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
