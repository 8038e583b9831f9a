using System.Net.Http.Json;
using Wrenn.Dashboard.Tests.Server;

namespace Wrenn.Dashboard.Tests.Capsules;

/// <summary>The terminal and the file browser of a capsule's page, on a real VM.</summary>
[Collection("dashboard")]
public sealed class CapsuleGuestTests(DashboardServer dashboard)
{
    [Fact]
    public async Task TheTerminal_RunsWhatIsTyped_AndTheTokenNeverTravelsInAUrl()
    {
        var user = await dashboard.NewUserAsync();
        var id = await DashboardServer.CreateCapsuleAsync(user);
        try
        {
            await using var page = await dashboard.OpenAsync(user);
            // Every address the page asks for, WebSocket upgrades included (DevTools reports those apart).
            var urls = new List<string>();
            void Add(string? url)
            {
                lock (urls)
                {
                    urls.Add(url ?? string.Empty);
                }
            }

            page.Page.Request += (_, e) => Add(e.Request.Url);
            var devTools = await page.Page.CreateCDPSessionAsync();
            devTools.MessageReceived += (_, e) =>
            {
                if (e.MessageID == "Network.webSocketCreated")
                {
                    Add(e.MessageData.GetProperty("url").GetString());
                }
            };
            await devTools.SendAsync("Network.enable");
            await page.GoToAsync($"/capsules/{id}");
            await page.OpenTabAsync("Terminal");
            await page.Page.WaitForSelectorAsync("[data-testid=terminal] .xterm-rows");
            await page.ClickWhenShownAsync("[data-testid=terminal]");
            // Typed at once, before the session is reached: the page holds the keys until it is.
            await page.Page.Keyboard.TypeAsync("echo hi\n");
            // The command's output, on a line of its own (the typed command shows as "… echo hi").
            await page.WaitForAsync("[...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')].some(row => row.textContent.trim() === 'hi')");

            // The browser's own session token (not the one the test's API client holds).
            var token = await page.EvaluateAsync<string>("JSON.parse(localStorage.getItem('wrenn.session')).token");
            var signature = token[(token.LastIndexOf('.') + 1)..];
            lock (urls)
            {
                Assert.Contains(urls, url => url.Contains($"/v1/capsules/{id}/pty", StringComparison.Ordinal));
                Assert.DoesNotContain(urls, url => url.Contains(signature, StringComparison.Ordinal));
            }
        }
        finally
        {
            await user.Api.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task AnUploadedFile_IsListed_AndStoredInTheCapsule()
    {
        var user = await dashboard.NewUserAsync();
        var id = await DashboardServer.CreateCapsuleAsync(user);
        var local = Path.Combine(Directory.CreateTempSubdirectory("wrenn-upload-").FullName, "greeting.txt");
        await File.WriteAllTextAsync(local, "hello from the browser\n");
        try
        {
            await using var page = await dashboard.OpenAsync(user);
            await page.GoToAsync($"/capsules/{id}");
            await page.OpenTabAsync("Files");
            var input = await page.Page.WaitForSelectorAsync("input[type=file]");
            await input.UploadFileAsync(local);
            await page.WaitForAsync("[...document.querySelectorAll('tr[data-path]')].some(row => row.dataset.path.endsWith('/greeting.txt'))");

            using var read = await user.Api.PostAsJsonAsync($"/v1/capsules/{id}/files/read", new { path = "/root/greeting.txt" });
            Assert.Equal("hello from the browser\n", await read.Content.ReadAsStringAsync());
        }
        finally
        {
            await user.Api.DeleteAsync($"/v1/capsules/{id}");
            Directory.Delete(Path.GetDirectoryName(local)!, recursive: true);
        }
    }
}
