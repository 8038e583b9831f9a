using System.Net;
using Wrenn.Dashboard.Tests.Server;

namespace Wrenn.Dashboard.Tests.Keys;

[Collection("dashboard")]
public sealed class ApiKeyTests(DashboardServer dashboard)
{
    [Fact]
    public async Task ANewKey_IsShownOnce_WorksAgainstTheApi_AndStopsWhenRevoked()
    {
        var user = await dashboard.NewUserAsync();
        await using var page = await dashboard.OpenAsync(user);
        await page.ClickLinkAsync("API keys");
        await page.WaitForHeadingAsync("API keys");
        await page.ClickButtonAsync("New API key");
        await page.TypeWhenShownAsync("dialog[open] form input", "from the browser");
        await page.ClickButtonAsync("Create", "dialog[open] form");
        var shown = await page.Page.WaitForSelectorAsync("[data-testid=new-key]");
        var key = (await shown.EvaluateFunctionAsync<string>("e => e.textContent")).Trim();
        Assert.StartsWith("wrn_", key, StringComparison.Ordinal);

        using var client = dashboard.Server.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/capsules")).StatusCode);

        await page.ClickButtonAsync("Done", "dialog[open]");
        await page.WaitForAsync("document.querySelector('dialog[open]') === null");
        await page.ClickButtonAsync("Revoke", "tr[data-key-id]");
        await page.WaitForAsync("document.querySelector('tr[data-key-id]') === null");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/capsules")).StatusCode);
    }
}
