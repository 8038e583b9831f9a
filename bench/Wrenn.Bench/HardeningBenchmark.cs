using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Api.Fuzz;

namespace Wrenn.Bench;

/// <summary>
/// Issue "safe to expose": malformed requests over every route of a server with a live capsule
/// (none may be answered 5xx; the capsule must be intact), then a start of that server, killed,
/// with the capsule's VM frozen (SIGSTOP): how long until it serves. The soak figures are the
/// resume soak's, which ran just before.
/// </summary>
internal static class HardeningBenchmark
{
    private const int FuzzRequests = 5000;
    private const int Seed = 20261202;

    public static async Task RunAsync(string dataDirectory, string imagesDirectory, string templatesDirectory, string? serverLog, int soakCycles, int soakLost)
    {
        // One capsule is the quota: a fuzzed request that happens to be a valid create starts no VM.
        await using var server = await ApiServer.StartAsync(dataDirectory, imagesDirectory, templatesDirectory, serverLog, "--team-max-capsules", "1");
        using var client = server.Client();
        var id = await CreateRunningAsync(client);
        var routes = Route.FromOpenApi(await client.GetFromJsonAsync<JsonElement>("/openapi.json"));
        var fuzzWatch = Stopwatch.StartNew();
        var fuzz = await FuzzRun.RunAsync(server.Address, new MalformedRequests([.. routes, new("GET", "/health"), new("GET", "/metrics")], id, server.Key, Seed),
            FuzzRequests, dataDirectory);
        var fuzzSeconds = fuzzWatch.Elapsed.TotalSeconds;
        var intact = await ExecAsync(client, id, "echo intact") == "intact\n";

        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "capsules", id, "vmm.pid")), CultureInfo.InvariantCulture);
        await server.KillAsync();
        using (var freeze = Process.Start("kill", ["-STOP", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await freeze.WaitForExitAsync();
        }

        var startup = await server.RestartAsync();
        var status = (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString();

        Console.WriteLine();
        Console.WriteLine($"Hardening ({FuzzRequests} malformed requests over {routes.Count + 2} routes, seed {Seed}; then a start with a frozen VM)");
        Console.WriteLine($"  fuzz: {fuzz.ServerErrors} answered 5xx, {fuzz.Violations.Count} broke a rule, {fuzzSeconds:0.0} s; capsule intact afterwards: {intact}");
        foreach (var violation in fuzz.Violations.Take(10))
        {
            Console.WriteLine("  " + violation);
        }

        Console.WriteLine($"  start with a frozen VM: {startup:0.00} s until healthy; the frozen capsule is {status}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT hardening soak_cycles={soakCycles} soak_lost={soakLost} fuzz_requests={FuzzRequests} fuzz_5xx={fuzz.ServerErrors} fuzz_violations={fuzz.Violations.Count} startup_with_stuck_vm_s={startup:0.00}"));
    }

    private static async Task<string> CreateRunningAsync(HttpClient client)
    {
        using var created = await client.PostAsJsonAsync("/v1/capsules", new { template = "minimal" });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        for (var waited = 0; waited < 1200; waited++)
        {
            if ((await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString() == "running")
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"capsule {id} did not start");
    }

    private static async Task<string?> ExecAsync(HttpClient client, string id, string script)
    {
        using var reply = await client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "/bin/sh", args = new[] { "-c", script } });
        return reply.IsSuccessStatusCode ? (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stdout").GetString() : null;
    }
}
