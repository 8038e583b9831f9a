using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wrenn.Bench;

/// <summary>
/// Issue "resume reliability": two busy capsules (a shell loop writing a counter every 100 ms, a
/// Python process holding 64 MiB of random bytes and checking their digest every 0.5 s, a 4 MiB
/// file) cycle pause → resume at once; right after every resume the four calls a user makes next
/// run at the same moment — process list, counter read, file read back, exec — then a small file
/// is written and read back at once. Every call must succeed (<c>failed_calls</c>) and every process and byte must have survived (<c>lost</c>).
/// </summary>
internal static class ResumeSoakBenchmark
{
    private const int Capsules = 2;
    private const int FileBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);
    private static readonly string[] HasherState = ["/tmp/hasher"];

    // Counts to /tmp/counter (renamed into place, so a read never sees half a number).
    private const string CounterLoop = "i=0; while :; do i=$((i+1)); echo $i > /tmp/counter.new; mv /tmp/counter.new /tmp/counter; sleep 0.1; done";

    // Holds 64 MiB of random bytes; every 0.5 s checks them against their first digest and
    // writes "<round> ok" (or "<round> CORRUPT") to /tmp/hasher.
    private const string Hasher = """
        import hashlib, os, time
        data = bytearray(os.urandom(64 << 20))
        first = hashlib.sha256(data).digest()
        n = 0
        while True:
            n += 1
            state = "ok" if hashlib.sha256(data).digest() == first else "CORRUPT"
            with open("/tmp/hasher.new", "w") as f:
                f.write(f"{n} {state}\n")
            os.replace("/tmp/hasher.new", "/tmp/hasher")
            time.sleep(0.5)
        """;

    /// <summary>Runs the soak and prints its table; returns the number of losses.</summary>
    public static async Task<int> RunAsync(ApiServer server, int cycles)
    {
        using var client = server.Client();
        client.Timeout = CallLimit;
        var report = new SoakReport();
        var capsules = await Task.WhenAll(Enumerable.Range(0, Capsules).Select(_ => BusyCapsule.StartAsync(client)));
        try
        {
            await Task.WhenAll(capsules.Select(capsule => CycleAsync(client, capsule, cycles, report)));
        }
        finally
        {
            await Task.WhenAll(capsules.Select(capsule => client.DeleteAsync($"/v1/capsules/{capsule.Id}")));
        }

        Console.WriteLine();
        Console.WriteLine($"Resume soak ({Capsules} busy base-python capsules cycling at once, {cycles} cycles each; after every resume: processes, counter, 4 MiB file, exec, then a file written and read back)");
        Console.WriteLine(Samples.Header());
        Console.WriteLine(report.Pause.Row());
        Console.WriteLine(report.Resume.Row());
        Console.WriteLine(report.Checks.Row());
        foreach (var failure in report.Failures)
        {
            Console.WriteLine("  " + failure);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT resume_soak cycles={cycles} failed_calls={report.FailedCalls} lost={report.Lost} pause_p50_s={report.Pause.Median:0.000} resume_p50_s={report.Resume.Median:0.000}"));
        return report.Lost;
    }

    private static async Task CycleAsync(HttpClient client, BusyCapsule capsule, int cycles, SoakReport report)
    {
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            var where = $"cycle {cycle} {capsule.Id}";
            var watch = Stopwatch.StartNew();
            if (await report.CallAsync(where, "pause", () => client.PostAsync($"/v1/capsules/{capsule.Id}/pause", null)))
            {
                report.Pause.Add(watch.Elapsed.TotalSeconds);
            }
            else if (await StatusAsync(client, capsule.Id) != "paused")
            {
                // A failed pause leaves the capsule running: the next cycle tries again.
                continue;
            }

            watch.Restart();
            if (!await report.CallAsync(where, "resume", () => client.PostAsync($"/v1/capsules/{capsule.Id}/resume", null))
                || !await WaitRunningAsync(client, capsule.Id, report, where))
            {
                continue;
            }

            report.Resume.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            await CheckAsync(client, capsule, report, where);
            report.Checks.Add(watch.Elapsed.TotalSeconds);
        }
    }

    /// <summary>The calls a user makes right after a resume, all at once, and what they must show.</summary>
    private static async Task CheckAsync(HttpClient client, BusyCapsule capsule, SoakReport report, string where)
    {
        var c = $"/v1/capsules/{capsule.Id}";
        string? processes = null, counter = null, hasher = null;
        byte[]? file = null;
        await Task.WhenAll(
            report.CallAsync(where, "processes", () => client.GetAsync($"{c}/processes"), async reply => processes = await reply.Content.ReadAsStringAsync()),
            report.CallAsync(where, "read counter", () => client.PostAsJsonAsync($"{c}/files/read", new { path = "/tmp/counter" }),
                async reply => counter = await reply.Content.ReadAsStringAsync()),
            report.CallAsync(where, "read file", () => client.PostAsJsonAsync($"{c}/files/read", new { path = "/root/soak.bin" }),
                async reply => file = await reply.Content.ReadAsByteArrayAsync()),
            report.CallAsync(where, "exec", () => client.PostAsJsonAsync($"{c}/exec", new { cmd = "cat", args = HasherState }),
                async reply => hasher = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stdout").GetString()));

        if (processes is not null && !(processes.Contains("\"counter\"", StringComparison.Ordinal) && processes.Contains("\"hasher\"", StringComparison.Ordinal)))
        {
            report.Lose(where, "a background process is gone: " + processes);
        }

        if (counter is not null)
        {
            // Read at once after the resume, the counter may not have ticked yet: a fast cycle can
            // give the guest less run time than one turn of the loop. It must move within 3 s.
            var value = long.Parse(counter.Trim(), CultureInfo.InvariantCulture);
            for (var attempt = 0; value <= capsule.Counter && attempt < 15; attempt++)
            {
                await Task.Delay(200);
                using var again = await client.PostAsJsonAsync($"{c}/files/read", new { path = "/tmp/counter" });
                value = again.IsSuccessStatusCode ? long.Parse((await again.Content.ReadAsStringAsync()).Trim(), CultureInfo.InvariantCulture) : value;
            }

            if (value <= capsule.Counter)
            {
                report.Lose(where, $"the counter did not move within 3 s of the resume ({capsule.Counter} → {value})");
            }

            capsule.Counter = value;
        }

        if (file is not null && !SHA256.HashData(file).AsSpan().SequenceEqual(capsule.FileDigest))
        {
            report.Lose(where, $"the 4 MiB file differs ({file.Length} bytes read)");
        }

        // A write right after the resume, read back at once.
        var note = Encoding.UTF8.GetBytes(where);
        using var upload = new MultipartFormDataContent
        {
            { new StringContent("/root/soak-note"), "path" },
            { new ByteArrayContent(note), "file", "soak-note" },
        };
        byte[]? readBack = null;
        if (await report.CallAsync(where, "write file", () => client.PostAsync($"{c}/files/write", upload))
            && await report.CallAsync(where, "read written file", () => client.PostAsJsonAsync($"{c}/files/read", new { path = "/root/soak-note" }),
                async reply => readBack = await reply.Content.ReadAsByteArrayAsync())
            && !note.AsSpan().SequenceEqual(readBack))
        {
            report.Lose(where, "the file just written reads back differently");
        }

        if (hasher is not null)
        {
            var parts = hasher.Trim().Split(' ');
            var round = long.Parse(parts[0], CultureInfo.InvariantCulture);
            if (parts is not [_, "ok"] || round < capsule.HasherRound)
            {
                report.Lose(where, $"the hasher reports '{hasher.Trim()}' after round {capsule.HasherRound}");
            }

            capsule.HasherRound = round;
        }
    }

    private static async Task<string?> StatusAsync(HttpClient client, string id)
    {
        try
        {
            return (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<bool> WaitRunningAsync(HttpClient client, string id, SoakReport report, string where)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < CallLimit)
        {
            string? status = null;
            if (!await report.CallAsync(where, "get", () => client.GetAsync($"/v1/capsules/{id}"),
                    async reply => status = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()))
            {
                return false;
            }

            if (status == "running")
            {
                return true;
            }

            if (status != "starting")
            {
                report.Fail(where, "resume", $"the capsule is {status}");
                return false;
            }

            await Task.Delay(20);
        }

        report.Fail(where, "resume", "not running after 30 s");
        return false;
    }

    /// <summary>One capsule kept busy: a counter loop, a Python process holding 64 MiB, a 4 MiB file.</summary>
    private sealed class BusyCapsule(string id, byte[] fileDigest)
    {
        public string Id { get; } = id;

        public byte[] FileDigest { get; } = fileDigest;

        public long Counter { get; set; }

        public long HasherRound { get; set; }

        public static async Task<BusyCapsule> StartAsync(HttpClient client)
        {
            var created = await Expect(await client.PostAsJsonAsync("/v1/capsules", new { template = "base-python" }));
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            try
            {
                return await PrepareAsync(client, id);
            }
            catch
            {
                await client.DeleteAsync($"/v1/capsules/{id}");
                throw;
            }
        }

        private static async Task<BusyCapsule> PrepareAsync(HttpClient client, string id)
        {
            var report = new SoakReport();
            if (!await WaitRunningAsync(client, id, report, "setup"))
            {
                throw new InvalidOperationException(string.Join("; ", report.Failures));
            }

            var bytes = RandomNumberGenerator.GetBytes(FileBytes);
            using var upload = new MultipartFormDataContent
            {
                { new StringContent("/root/soak.bin"), "path" },
                { new ByteArrayContent(bytes), "file", "soak.bin" },
            };
            await Expect(await client.PostAsync($"/v1/capsules/{id}/files/write", upload));
            await Expect(await client.PostAsJsonAsync($"/v1/capsules/{id}/exec",
                new { cmd = "/bin/sh", args = new[] { "-c", CounterLoop }, background = true, tag = "counter" }));
            await Expect(await client.PostAsJsonAsync($"/v1/capsules/{id}/exec",
                new { cmd = "python3", args = new[] { "-c", Hasher }, background = true, tag = "hasher" }));
            // Busy before the first pause: the hasher has filled its memory and checked it once.
            for (var waited = 0; ; waited++)
            {
                using var state = await client.PostAsJsonAsync($"/v1/capsules/{id}/files/read", new { path = "/tmp/hasher" });
                if (state.IsSuccessStatusCode)
                {
                    break;
                }

                if (waited > 600)
                {
                    throw new InvalidOperationException($"the hasher in {id} did not start");
                }

                await Task.Delay(100);
            }

            return new BusyCapsule(id, SHA256.HashData(bytes));
        }

        private static async Task<HttpResponseMessage> Expect(HttpResponseMessage reply)
        {
            if (!reply.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{reply.RequestMessage?.RequestUri}: {(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync()}");
            }

            return reply;
        }
    }

    /// <summary>Timings, failed calls and losses, shared by the capsules' loops.</summary>
    private sealed class SoakReport
    {
        private readonly Lock _lock = new();
        private readonly List<string> _failures = [];

        public Samples Pause { get; } = new("pause (reply)", "s", target: null);

        public Samples Resume { get; } = new("resume (until running)", "s", target: null);

        public Samples Checks { get; } = new("6 calls after resume (all done)", "s", target: null);

        public int FailedCalls { get; private set; }

        public int Lost { get; private set; }

        public IReadOnlyList<string> Failures
        {
            get
            {
                lock (_lock)
                {
                    return [.. _failures];
                }
            }
        }

        /// <summary>Runs one API call; a non-2xx reply, a timeout or a broken connection counts as a failed call.</summary>
        public async Task<bool> CallAsync(string where, string call, Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, Task>? read = null)
        {
            var started = Stopwatch.StartNew();
            try
            {
                using var reply = await send();
                if (!reply.IsSuccessStatusCode)
                {
                    Fail(where, call, $"{(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync()}");
                    return false;
                }

                if (read is not null)
                {
                    await read(reply);
                }

                return true;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException or JsonException)
            {
                Fail(where, call, $"{exception.GetType().Name} after {started.Elapsed.TotalSeconds:0.00} s: {exception.Message} {exception.InnerException?.Message}");
                return false;
            }
        }

        public void Fail(string where, string call, string what)
        {
            lock (_lock)
            {
                FailedCalls++;
                _failures.Add($"FAILED {where} {call}: {what}");
                Console.Error.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} FAILED {where} {call}: {what}");
            }
        }

        public void Lose(string where, string what)
        {
            lock (_lock)
            {
                Lost++;
                _failures.Add($"LOST {where}: {what}");
                Console.Error.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} LOST {where}: {what}");
            }
        }
    }
}
