using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Dashboard.Tests.Browser;

namespace Wrenn.Bench;

/// <summary>
/// Issue "dashboard", in Debian's headless Chromium against a live server: the first load of the
/// capsule list (time and compressed bytes, cache empty), how soon a status change shows in the
/// list, and how long a keystroke typed into the capsule page's terminal takes to come back as
/// the guest terminal's echo. The API's own exec latency is measured beside them for the ratios.
/// </summary>
internal static class DashboardBenchmark
{
    private const int Samples = 10;

    public static async Task RunAsync(ApiServer server)
    {
        using var api = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        var (email, password) = ($"bench-{Guid.NewGuid():N}@example.com", "a long enough password");
        (await api.PostAsJsonAsync("/v1/auth/signup", new { email, password, name = "Bench" })).EnsureSuccessStatusCode();
        var session = await (await api.PostAsJsonAsync("/v1/auth/login", new { email, password })).Content.ReadFromJsonAsync<JsonElement>();
        api.DefaultRequestHeaders.Authorization = new("Bearer", session.GetProperty("token").GetString());
        var capsule = await (await api.PostAsJsonAsync("/v1/capsules", new { template = "minimal" })).Content.ReadFromJsonAsync<JsonElement>();
        var id = capsule.GetProperty("id").GetString()!;
        var browser = await Chromium.LaunchAsync();
        try
        {
            await using var page = await DashboardPage.OpenAsync(browser, server.Address);
            await page.SignInAsync(email, password);
            var (load, bytes) = await FirstLoadAsync(browser, page);
            var status = await StatusLatencyAsync(page, api, id);
            var exec = await ExecAsync(api, id);
            var echo = await KeystrokeEchoAsync(page, id);
            Console.WriteLine();
            Console.WriteLine("Dashboard (headless Chromium against a live server)");
            Console.WriteLine(Wrenn.Bench.Samples.Header());
            foreach (var samples in new[] { load, status, exec, echo })
            {
                Console.WriteLine(samples.Row());
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first load: {bytes / 1024.0:0.0} KiB compressed (target <= 500); keystroke echo / API exec: {echo.Median / exec.Median:0.00}; status latency / list refresh interval (500 ms): {status.Median / 500:0.00}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT dashboard first_load_ms={load.Median:0} assets_kb={bytes / 1024.0:0.0} status_latency_ms={status.Median:0} keystroke_echo_ms={echo.Median:0.0}"));
        }
        finally
        {
            await browser.CloseAsync();
            await api.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    /// <summary>Opening the dashboard with an empty cache until the capsule list is shown, and the compressed bytes it fetched.</summary>
    private static async Task<(Samples Load, double Bytes)> FirstLoadAsync(PuppeteerSharp.IBrowser browser, DashboardPage signedIn)
    {
        var load = new Samples("first load, empty cache, to the capsule list", "ms", target: 1000);
        double bytes = 0;
        var token = await signedIn.EvaluateAsync<string>("localStorage.getItem('wrenn.session')");
        for (var i = 0; i < Samples; i++)
        {
            // A new context has an empty cache; the stored session is copied in, as a returning user has it.
            await using var fresh = await DashboardPage.OpenAsync(browser, signedIn.BaseAddress);
            await fresh.Page.SetCacheEnabledAsync(false);
            await fresh.Page.EvaluateExpressionOnNewDocumentAsync($"localStorage.setItem('wrenn.session', {JsonSerializer.Serialize(token)})");
            var watch = Stopwatch.StartNew();
            await fresh.GoToAsync("/capsules");
            await fresh.WaitForAsync("document.querySelector('tr[data-capsule]') !== null");
            load.Add(watch.Elapsed.TotalMilliseconds);
            bytes = await fresh.EvaluateAsync<double>(
                "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))" +
                ".filter(e => !e.name.includes('/v1/')).reduce((sum, e) => sum + e.encodedBodySize, 0)");
        }

        return (load, bytes);
    }

    /// <summary>From the pause or resume reply (the change has happened) until the list row shows it.</summary>
    private static async Task<Samples> StatusLatencyAsync(DashboardPage page, HttpClient api, string id)
    {
        var latency = new Samples("status change to shown in the list", "ms", target: 1000);
        await page.GoToAsync("/capsules");
        await page.WaitForStatusAsync("running", $"tr[data-capsule={id}]");
        for (var i = 0; i < Samples; i++)
        {
            var (operation, status) = i % 2 == 0 ? ("pause", "paused") : ("resume", "running");
            // The page notes when the row first shows the new status, on the same clock as ours.
            await page.EvaluateAsync<bool>(
                $"(window.__shown = 0, new MutationObserver((_, o) => {{ if (document.querySelector('tr[data-capsule={id}] [data-status]')?.dataset.status === '{status}') {{ window.__shown = Date.now(); o.disconnect(); }} }})" +
                ".observe(document.querySelector('table.list'), { subtree: true, childList: true, attributes: true, characterData: true }), true)");
            (await api.PostAsync($"/v1/capsules/{id}/{operation}", null)).EnsureSuccessStatusCode();
            var changed = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            await page.WaitForAsync("window.__shown > 0");
            latency.Add(Math.Max(0, await page.EvaluateAsync<double>("window.__shown") - changed));
        }

        return latency;
    }

    private static async Task<Samples> ExecAsync(HttpClient api, string id)
    {
        var exec = new Samples("API exec `true` (for the ratio)", "ms", target: null);
        for (var i = 0; i <= Samples; i++)
        {
            var watch = Stopwatch.StartNew();
            (await api.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).EnsureSuccessStatusCode();
            if (i > 0)
            {
                exec.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return exec;
    }

    /// <summary>Single keys typed into the terminal at the shell's prompt, each timed until the page shows its echo.</summary>
    private static async Task<Samples> KeystrokeEchoAsync(DashboardPage page, string id)
    {
        var echo = new Samples("terminal keystroke echo", "ms", target: 100);
        await page.GoToAsync($"/capsules/{id}");
        await page.OpenTabAsync("Terminal");
        await page.Page.WaitForSelectorAsync("[data-testid=terminal] .xterm-rows");
        await page.Page.ClickAsync("[data-testid=terminal]");
        const string rows = "document.querySelector('[data-testid=terminal] .xterm-rows').textContent";
        await page.WaitForAsync($"{rows}.includes('# ')");
        for (var i = 0; i < Samples * 2; i++)
        {
            var typed = new string((char)('a' + (i % 26)), 1);
            var before = await page.EvaluateAsync<int>($"{rows}.split({DashboardPage.Js(typed)}).length");
            var watch = Stopwatch.StartNew();
            await page.Page.Keyboard.SendCharacterAsync(typed);
            await page.WaitForAsync($"{rows}.split({DashboardPage.Js(typed)}).length > {before}");
            echo.Add(watch.Elapsed.TotalMilliseconds);
        }

        await page.Page.Keyboard.SendCharacterAsync("\u0015");
        return echo;
    }
}
