using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.Bench;

/// <summary>
/// Issue "scale out": a control plane on PostgreSQL with its in-process host and one `wrenn agent`
/// on this machine. GET capsule under load on PostgreSQL; exec through the agent against exec on the
/// in-process host (same run, alternating); create → first exec on either host; and how fast
/// placement answers 20 concurrent creates (all hosts drained, so every create ends at placement:
/// the 503 reply's latency bounds placement from above, HTTP and database included).
/// </summary>
internal static class MultihostBenchmark
{
    private const int ExecRounds = 40;

    public static async Task RunAsync(string dataDirectory, string imagesDirectory, string templatesDirectory, string? serverLog, int runs)
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var server = await ApiServer.StartAsync(Path.Combine(dataDirectory, "multihost"), imagesDirectory, templatesDirectory, serverLog,
            "--database", database);
        using var client = server.Client();
        using var admin = await AdminSessionAsync(server, database);
        var local = (await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "host-id"))).Trim();
        await using var agent = await Agent.StartAsync(server, admin, Path.Combine(dataDirectory, "agent"), imagesDirectory, Path.Combine(templatesDirectory, "agent"));

        // Template snapshots of both hosts built outside the measurements.
        await OnlyOnAsync(admin, [local, agent.HostId], local);
        await client.DeleteAsync($"/v1/capsules/{await ApiBenchmark.CreateRunningAsync(client)}");
        await OnlyOnAsync(admin, [local, agent.HostId], agent.HostId);
        await client.DeleteAsync($"/v1/capsules/{await ApiBenchmark.CreateRunningAsync(client)}");

        await OnlyOnAsync(admin, [local, agent.HostId], local);
        var (rps, getLatency) = await ApiBenchmark.LoadAsync(client, "GET capsule latency (PostgreSQL)", targetMs: 15);
        var localCreate = await CreateToExecAsync(client, runs, "create > first exec, in-process host");
        var localCapsule = await ApiBenchmark.CreateRunningAsync(client);
        await OnlyOnAsync(admin, [local, agent.HostId], agent.HostId);
        var remoteCreate = await CreateToExecAsync(client, runs, "create > first exec, agent host");
        var remoteCapsule = await ApiBenchmark.CreateRunningAsync(client);

        var localExec = new Samples("exec true, in-process host", "ms", target: null);
        var remoteExec = new Samples("exec true, agent host", "ms", target: null);
        for (var round = 0; round < ExecRounds; round++)
        {
            localExec.Add(await ExecMsAsync(client, localCapsule));
            remoteExec.Add(await ExecMsAsync(client, remoteCapsule));
        }

        await OnlyOnAsync(admin, [local, agent.HostId], null);
        var placement = await PlacementAsync(client);
        await client.DeleteAsync($"/v1/capsules/{localCapsule}");
        await client.DeleteAsync($"/v1/capsules/{remoteCapsule}");

        var overhead = remoteExec.Median - localExec.Median;
        var createGap = remoteCreate.Median - localCreate.Median;
        Console.WriteLine();
        Console.WriteLine("Multi-host (wrenn serve on PostgreSQL with its in-process host, and one wrenn agent on this machine over mutual TLS)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { getLatency, localExec, remoteExec, localCreate, remoteCreate, placement })
        {
            Console.WriteLine(samples.Row());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GET capsule on PostgreSQL: {rps:0} req/s (target >= 3000), p99 {getLatency.Percentile(99):0.00} ms (target <= 15)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exec through the agent minus in-process (medians, same run): {overhead:0.00} ms (target <= 3); ratio {remoteExec.Median / localExec.Median:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"create > first exec: agent {remoteCreate.Median:0.000} s, in-process {localCreate.Median:0.000} s, gap {createGap:0.000} s (target <= 0.15)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT multihost pg_get_rps={rps:0} pg_get_p99_ms={getLatency.Percentile(99):0.00} remote_exec_overhead_ms={overhead:0.00} remote_create_s={remoteCreate.Median:0.000} placement_p99_ms={placement.Percentile(99):0.0}"));
    }

    /// <summary>Drains every host but <paramref name="open"/> (none: all drained), so the next creates go there.</summary>
    private static async Task OnlyOnAsync(HttpClient admin, IReadOnlyList<string> hosts, string? open)
    {
        foreach (var host in hosts)
        {
            await ApiBenchmark.Expect(admin.PostAsJsonAsync($"/v1/hosts/{host}/{(host == open ? "undrain" : "drain")}", new { }));
        }
    }

    private static async Task<Samples> CreateToExecAsync(HttpClient client, int runs, string name)
    {
        var samples = new Samples(name, "s", target: null);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var id = await ApiBenchmark.CreateRunningAsync(client);
            await ExecMsAsync(client, id);
            samples.Add(watch.Elapsed.TotalSeconds);
            await client.DeleteAsync($"/v1/capsules/{id}");
        }

        return samples;
    }

    private static async Task<double> ExecMsAsync(HttpClient client, string id)
    {
        var started = Stopwatch.GetTimestamp();
        await ApiBenchmark.Expect(client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" }));
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>20 concurrent creates with no host open: each reply is a 503 from placement.</summary>
    private static async Task<Samples> PlacementAsync(HttpClient client)
    {
        var samples = new Samples("placement: 20 concurrent creates (503 reply)", "ms", target: 20);
        // Round 0 warms the path up (first use of the queries and of the 503 reply) and is not counted.
        for (var round = 0; round <= 5; round++)
        {
            var latencies = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            {
                var started = Stopwatch.GetTimestamp();
                using var reply = await client.PostAsJsonAsync("/v1/capsules", new { });
                return reply.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable
                    ? Stopwatch.GetElapsedTime(started).TotalMilliseconds
                    : throw new InvalidOperationException($"a create with every host drained answered {(int)reply.StatusCode}");
            }));
            foreach (var latency in round == 0 ? [] : latencies)
            {
                samples.Add(latency);
            }
        }

        return samples;
    }

    /// <summary>A platform admin's session (the hosts API needs one), added as an operator adds one.</summary>
    private static async Task<HttpClient> AdminSessionAsync(ApiServer server, string database)
    {
        const string password = "a long enough benchmark password";
        var add = new ProcessStartInfo(ApiServer.Executable) { RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "user", "add", "--email", "bench@example.com", "--admin", "--data-dir", server.DataDirectory, "--database", database })
        {
            add.ArgumentList.Add(argument);
        }

        using (var process = Process.Start(add)!)
        {
            await process.StandardInput.WriteLineAsync(password);
            process.StandardInput.Close();
            await process.WaitForExitAsync();
        }

        var session = new HttpClient { BaseAddress = server.Address };
        var login = await ApiBenchmark.Expect(session.PostAsJsonAsync("/v1/auth/login", new { email = "bench@example.com", password }));
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        session.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return session;
    }

    /// <summary>A `wrenn agent` of the server on this machine; disposing stops it and its VMs.</summary>
    private sealed class Agent(Process process, string dataDirectory, string hostId) : IAsyncDisposable
    {
        public string HostId { get; } = hostId;

        public static async Task<Agent> StartAsync(ApiServer server, HttpClient admin, string dataDirectory, string imagesDirectory, string templatesDirectory)
        {
            var created = await (await ApiBenchmark.Expect(admin.PostAsJsonAsync("/v1/hosts", new { type = "regular" }))).Content.ReadFromJsonAsync<JsonElement>();
            var port = FreePorts.Next();

            var start = new ProcessStartInfo(ApiServer.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "agent", "--control-plane", server.Address.ToString(), "--registration-token", created.GetProperty("registration_token").GetString()!,
                "--data-dir", dataDirectory, "--images-dir", imagesDirectory, "--templates-dir", templatesDirectory,
                "--listen", $"127.0.0.1:{port}", "--log-level", "warning", "--prebuild-templates", "off",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var agent = new Agent(process, dataDirectory, created.GetProperty("host").GetProperty("id").GetString()!);
            var watch = Stopwatch.StartNew();
            while ((await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{agent.HostId}")).GetProperty("status").GetString() != "online")
            {
                if (process.HasExited || watch.Elapsed > TimeSpan.FromMinutes(1))
                {
                    throw new InvalidOperationException("wrenn agent did not come online");
                }

                await Task.Delay(100);
            }

            // The control plane connects to it within a couple of seconds.
            await Task.Delay(TimeSpan.FromSeconds(3));
            return agent;
        }

        public async ValueTask DisposeAsync()
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            using var stop = Process.Start(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/stop-vms-under.sh"), [dataDirectory]);
            await stop.WaitForExitAsync();
        }
    }
}
