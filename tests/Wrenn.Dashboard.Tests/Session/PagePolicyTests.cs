using System.Text.RegularExpressions;
using Wrenn.Dashboard.Tests.Server;

namespace Wrenn.Dashboard.Tests.Session;

/// <summary>What the browser is told to enforce, and that the dashboard lives within it.</summary>
[Collection("dashboard")]
public sealed partial class PagePolicyTests(DashboardServer dashboard)
{
    [Fact]
    public async Task ThePage_ForbidsInlineScripts_AndCarriesNone()
    {
        using var reply = await GetAsABrowserAsync("/capsules");
        reply.EnsureSuccessStatusCode();
        var policy = string.Join(' ', reply.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        var scripts = ScriptTags().Matches(await reply.Content.ReadAsStringAsync());
        Assert.NotEmpty(scripts);
        Assert.All(scripts, tag => Assert.Contains(" src=", tag.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiRoutes_StayJson_WhenABrowserAsks()
    {
        using var reply = await GetAsABrowserAsync("/v1/no-such-route");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, reply.StatusCode);
        Assert.Contains("\"not_found\"", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPage_Renders_WithoutABrowserError_InDarkMode()
    {
        var user = await dashboard.NewUserAsync();
        await using var page = await dashboard.OpenAsync(user);
        await page.Page.EmulateMediaFeaturesAsync([new PuppeteerSharp.MediaFeatureValue { MediaFeature = PuppeteerSharp.MediaFeature.PrefersColorScheme, Value = "dark" }]);
        foreach (var (link, path) in new[] { ("Templates", "/templates"), ("API keys", "/keys"), ("Team", "/team"), ("Audit log", "/audit"), ("Capsules", "/capsules") })
        {
            await page.ClickLinkAsync(link);
            // Each page names itself in its heading once its data has come (the team page: the team's name).
            await page.WaitForAsync($"location.pathname === '{path}' && document.querySelector('main h1[id]') !== null && !document.querySelector('main .error')");
        }

        Assert.Empty(page.Errors);
        // The system's dark preference turns the page dark (its screenshot shows the rest).
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(20, 23, 27)", background);
    }

    /// <summary>A GET that asks for HTML, as a browser's navigation does.</summary>
    private async Task<HttpResponseMessage> GetAsABrowserAsync(string path)
    {
        using var client = dashboard.Server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(request);
    }

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTags();
}
