using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.Bench;

/// <summary>
/// Issue "control plane": GET capsule throughput and latency from a loopback load generator, the
/// create → exec → pause → resume → exec → delete cycle through the API, the API's overhead over
/// the runtime's own create and resume, and 4 and 20 concurrent creates.
/// </summary>
internal static class ApiBenchmark
{
    private const int LoadClients = 16;
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(5);

    /// <param name="server">A fresh server.</param>
    /// <param name="runs">Repetitions of the timed lifecycle steps.</param>
    /// <param name="runtimeCreate">The runtime's own create → first exec (seconds, same machine and template).</param>
    /// <param name="runtimeResume">The runtime's own resume → first exec (seconds).</param>
    public static async Task RunAsync(ApiServer server, int runs, double runtimeCreate, double runtimeResume)
    {
        using var client = server.Client();
        // Builds the template snapshot outside the measurements.
        await client.DeleteAsync($"/v1/capsules/{await CreateRunningAsync(client)}");

        var (rps, getLatency) = await LoadAsync(client, "GET capsule latency (load)", targetMs: 10);
        var create = new Samples("API create (reply, running)", "s", target: null);
        var resume = new Samples("API resume (reply, running)", "s", target: null);
        var cycle = new Samples("create>exec>pause>resume>exec>delete", "s", target: null);
        var before = await OperationTimesAsync(client);
        for (var i = 0; i < runs; i++)
        {
            var total = Stopwatch.StartNew();
            var watch = Stopwatch.StartNew();
            var id = await CreateRunningAsync(client);
            create.Add(watch.Elapsed.TotalSeconds);
            await ExecAsync(client, id);
            await Expect(client.PostAsync($"/v1/capsules/{id}/pause", null));
            watch.Restart();
            await Expect(client.PostAsync($"/v1/capsules/{id}/resume", null));
            await WaitRunningAsync(client, id);
            resume.Add(watch.Elapsed.TotalSeconds);
            await ExecAsync(client, id);
            await Expect(client.DeleteAsync($"/v1/capsules/{id}"));
            cycle.Add(total.Elapsed.TotalSeconds);
        }

        var after = await OperationTimesAsync(client);
        var concurrent4 = await ConcurrentCreatesAsync(client, 4);
        var concurrent20 = await ConcurrentCreatesAsync(client, 20);
        // The server's own time for the same operations (its lifecycle histogram): what is left of
        // the client's latency is the API's overhead (HTTP, auth, JSON, database, reply window).
        var serverCreate = (after.CreateSum - before.CreateSum) / runs;
        var serverResume = (after.ResumeSum - before.ResumeSum) / runs;
        var createOverheadMs = (create.Mean - serverCreate) * 1000;
        var resumeOverheadMs = (resume.Mean - serverResume) * 1000;

        Console.WriteLine();
        Console.WriteLine($"API (wrenn serve on loopback, SQLite; GET load: {LoadClients} clients for {LoadDuration.TotalSeconds:0} s)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { getLatency, create, resume, cycle, concurrent4, concurrent20 })
        {
            Console.WriteLine(samples.Row());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GET capsule: {rps:0} req/s (target >= 5000), p50 {getLatency.Percentile(50):0.00} ms, p99 {getLatency.Percentile(99):0.00} ms (target <= 10)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"API overhead (mean client latency - mean server lifecycle time): create {createOverheadMs:0} ms over {serverCreate:0.000} s, resume {resumeOverheadMs:0} ms over {serverResume:0.000} s (target <= 20 ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"runtime alone (in-process, same template): create -> first exec {runtimeCreate:0.000} s, resume -> first exec {runtimeResume:0.000} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrent creates answered within: 4 -> max {concurrent4.Max:0.00} s, 20 -> max {concurrent20.Max:0.00} s (target: 4 within 5 s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT api get_rps={rps:0} get_p99_ms={getLatency.Percentile(99):0.00} cycle_s={cycle.Median:0.000} create_overhead_ms={createOverheadMs:0} concurrent4_create_p99_s={concurrent4.Percentile(99):0.00}"));
    }

    /// <summary>Sums of the server's create and resume durations so far (Prometheus text of /metrics).</summary>
    private static async Task<(double CreateSum, double ResumeSum)> OperationTimesAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        double Sum(string operation) => text.Split('\n')
            .Where(line => line.StartsWith($"wrenn_capsule_operation_duration_seconds_sum{{operation=\"{operation}\"}}", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Single();
        return (Sum("create"), Sum("resume"));
    }

    /// <summary>GET capsule from <see cref="LoadClients"/> clients for <see cref="LoadDuration"/>: requests per second and latencies.</summary>
    internal static async Task<(double Rps, Samples Latency)> LoadAsync(HttpClient client, string name, double targetMs)
    {
        var id = await CreateRunningAsync(client);
        var latency = new Samples(name, "ms", target: targetMs);
        var samples = new List<double>[LoadClients];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, LoadClients).Select(async worker =>
        {
            var mine = samples[worker] = [];
            while (watch.Elapsed < LoadDuration)
            {
                var started = Stopwatch.GetTimestamp();
                using var reply = await client.GetAsync($"/v1/capsules/{id}");
                reply.EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        foreach (var value in samples.SelectMany(s => s))
        {
            latency.Add(value);
        }

        await client.DeleteAsync($"/v1/capsules/{id}");
        return (latency.Count / elapsed, latency);
    }

    /// <summary>
    /// How long each of <paramref name="count"/> simultaneous creates took to answer: 201 (running
    /// or still starting), or 503 no_hosts_available once the host's room is taken (placement never
    /// over-commits: a two-core host holds 8 one-vCPU capsules), which must come as fast.
    /// </summary>
    private static async Task<Samples> ConcurrentCreatesAsync(HttpClient client, int count)
    {
        var answered = new Samples($"{count} concurrent creates: reply", "s", target: count == 4 ? 5 : null);
        var replies = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var watch = Stopwatch.StartNew();
            var reply = await client.PostAsJsonAsync("/v1/capsules", new { });
            lock (answered)
            {
                answered.Add(watch.Elapsed.TotalSeconds);
            }

            if (reply.StatusCode == HttpStatusCode.ServiceUnavailable
                && (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString() == "no_hosts_available")
            {
                return null;
            }

            return (await (await Expect(Task.FromResult(reply))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }));
        var ids = replies.OfType<string>().ToList();
        Console.WriteLine($"{count} concurrent creates: {ids.Count} created, {count - ids.Count} refused with no_hosts_available");
        foreach (var id in ids)
        {
            await WaitRunningAsync(client, id);
        }

        await Task.WhenAll(ids.Select(id => client.DeleteAsync($"/v1/capsules/{id}")));
        return answered;
    }

    internal static async Task<string> CreateRunningAsync(HttpClient client, object? body = null)
    {
        var reply = await Expect(client.PostAsJsonAsync("/v1/capsules", body ?? new { }));
        var id = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitRunningAsync(client, id);
        return id;
    }

    internal static async Task WaitRunningAsync(HttpClient client, string id)
    {
        var watch = Stopwatch.StartNew();
        string? status;
        while ((status = (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString()) != "running")
        {
            if (status is not ("pending" or "starting") || watch.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new InvalidOperationException($"capsule {id} is {status} after {watch.Elapsed.TotalSeconds:0} s");
            }

            await Task.Delay(20);
        }
    }

    private static async Task ExecAsync(HttpClient client, string id) =>
        await Expect(client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" }));

    internal static async Task<HttpResponseMessage> Expect(Task<HttpResponseMessage> request)
    {
        var reply = await request;
        if (!reply.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{reply.RequestMessage?.RequestUri}: {(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync()}");
        }

        return reply;
    }
}
