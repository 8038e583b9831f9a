using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Builds;
using Wrenn.ControlPlane.Tests.Interpreter;

namespace Wrenn.Bench;

/// <summary>
/// Issue "code interpreter, template builds, auto-resume": create → first run_code result as the
/// SDK sees it, run_code("1+1") on a warm kernel, the tests' recipe build (and its cached repeat),
/// and a proxied request to a paused auto_resume capsule until its answer.
/// </summary>
internal static class InterpreterBenchmark
{
    private const int RunCodeSamples = 50;

    private static readonly string[] GuestServer = ["-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", "/etc"];

    public static async Task RunAsync(ApiServer server, int runs)
    {
        using var client = server.Client();
        var firstUse = Stopwatch.StartNew();
        // Builds the code-runner-beta template snapshot (Jupyter, warm kernel) outside the measurements.
        await client.DeleteAsync($"/v1/capsules/{await ApiBenchmark.CreateRunningAsync(client, new { template = "code-runner-beta" })}");
        var templateSeconds = firstUse.Elapsed.TotalSeconds;

        var firstResult = new Samples("create > first run_code result", "s", target: 2);
        var runCode = new Samples("run_code(\"1+1\"), warm kernel", "ms", target: 60);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var created = await ApiBenchmark.Expect(client.PostAsJsonAsync("/v1/capsules", new { template = "code-runner-beta" }));
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            using var jupyter = new JupyterClient(server.Address, id, server.Key);
            Check((await jupyter.RunCodeAsync("1+1")).Text == "2", "1+1 is not 2");
            firstResult.Add(watch.Elapsed.TotalSeconds);
            if (i == 0)
            {
                for (var sample = 0; sample < RunCodeSamples; sample++)
                {
                    watch.Restart();
                    Check((await jupyter.RunCodeAsync("1+1")).Text == "2", "1+1 is not 2");
                    runCode.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            await ApiBenchmark.Expect(client.DeleteAsync($"/v1/capsules/{id}"));
        }

        var (build, cached) = await BuildAsync(client);
        var wake = await AutoResumeAsync(server, client, runs);

        Console.WriteLine();
        Console.WriteLine($"Code interpreter, builds, auto-resume (code-runner-beta template snapshot built in {templateSeconds:0.0} s on first use)");
        Console.WriteLine(Samples.Header());
        foreach (var samples in new[] { firstResult, runCode, wake })
        {
            Console.WriteLine(samples.Row());
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recipe build (apt-get install jq, COPY from archive, START http.server, healthcheck): {build:0.0} s; the same content again (cached): {cached:0.000} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio run_code p50 / create>first result p50: {runCode.Median / 1000 / firstResult.Median:0.000}; auto-resume / create>first result: {wake.Median / firstResult.Median:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT interpreter create_to_first_result_s={firstResult.Median:0.000} run_code_p50_ms={runCode.Median:0.0} build_s={build:0.0} proxy_auto_resume_s={wake.Median:0.000}"));
    }

    /// <summary>The tests' recipe build, then the same content under another name (a cache hit).</summary>
    private static async Task<(double Build, double Cached)> BuildAsync(HttpClient client)
    {
        var watch = Stopwatch.StartNew();
        var built = await SubmitAsync(client, "bench-web-server");
        while (built.GetProperty("status").GetString() is "pending" or "running")
        {
            await Task.Delay(200);
            built = await client.GetFromJsonAsync<JsonElement>($"/v1/builds/{built.GetProperty("id").GetString()}");
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Check(built.GetProperty("status").GetString() == "success", $"the build failed: {built.GetProperty("error")}");
        watch.Restart();
        var again = await SubmitAsync(client, "bench-web-server-again");
        Check(again.GetProperty("status").GetString() == "success", "the repeated build was not a cache hit");
        return (seconds, watch.Elapsed.TotalSeconds);
    }

    private static async Task<JsonElement> SubmitAsync(HttpClient client, string name)
    {
        var config = JsonSerializer.Serialize(new { name, base_template = "base-python", recipe = ServerRecipe.Lines, healthcheck = ServerRecipe.Healthcheck });
        using var form = new MultipartFormDataContent
        {
            { new StringContent(config, Encoding.UTF8, "application/json"), "config" },
            { new ByteArrayContent(ServerRecipe.Archive()), "archive", "site.tar.gz" },
        };
        var reply = await ApiBenchmark.Expect(client.PostAsync("/v1/builds", form));
        return await reply.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A paused auto_resume capsule serving on a guest port: from the request's send to its answer.</summary>
    private static async Task<Samples> AutoResumeAsync(ApiServer server, HttpClient client, int runs)
    {
        var wake = new Samples("proxied request to a paused capsule", "s", target: 1);
        var id = await ApiBenchmark.CreateRunningAsync(client, new { template = "base-python", auto_resume = true });
        try
        {
            await ApiBenchmark.Expect(client.PostAsJsonAsync($"/v1/capsules/{id}/exec",
                new { cmd = "python3", args = GuestServer, background = true }));
            using var proxy = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
            Check(await ProxiedAsync(proxy, id, retries: 100) == HttpStatusCode.OK, "the guest server never answered");
            for (var i = 0; i < runs; i++)
            {
                await ApiBenchmark.Expect(client.PostAsync($"/v1/capsules/{id}/pause", null));
                var watch = Stopwatch.StartNew();
                Check(await ProxiedAsync(proxy, id, retries: 0) == HttpStatusCode.OK, "the paused capsule did not answer");
                wake.Add(watch.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            await client.DeleteAsync($"/v1/capsules/{id}");
        }

        return wake;
    }

    private static async Task<HttpStatusCode> ProxiedAsync(HttpClient proxy, string id, int retries)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hostname");
            request.Headers.Host = $"8000-{id}.localhost:{proxy.BaseAddress!.Port}";
            using var reply = await proxy.SendAsync(request);
            if (reply.StatusCode == HttpStatusCode.OK || attempt >= retries)
            {
                return reply.StatusCode;
            }

            await Task.Delay(100);
        }
    }

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
