using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Dashboard.Tests.Server;

namespace Wrenn.Dashboard.Tests.Capsules;

/// <summary>Capsules made, paused, resumed and deleted from the browser, on real VMs.</summary>
[Collection("dashboard")]
public sealed class CapsuleLifecycleTests(DashboardServer dashboard)
{
    [Fact]
    public async Task ANewCapsule_IsShownRunning_InItsPageAndTheList()
    {
        var user = await dashboard.NewUserAsync();
        await using var page = await dashboard.OpenAsync(user);
        await page.ClickButtonAsync("New capsule");
        await page.ClickButtonAsync("Create", "dialog[open]");
        // The form moves to the new capsule's page once the server replies.
        await page.WaitForAsync("/^\\/capsules\\/cl-/.test(location.pathname)");
        var id = await page.EvaluateAsync<string>("location.pathname.split('/')[2]");
        try
        {
            await page.WaitForStatusAsync("running");
            await page.ClickLinkAsync("Capsules");
            await page.WaitForStatusAsync("running", $"tr[data-capsule={id}]");
        }
        finally
        {
            await user.Api.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task PauseAndResume_ShowEachNewStatus()
    {
        var user = await dashboard.NewUserAsync();
        var id = await DashboardServer.CreateCapsuleAsync(user);
        try
        {
            await using var page = await dashboard.OpenAsync(user);
            var row = $"tr[data-capsule={id}]";
            await page.WaitForStatusAsync("running", row);
            await page.ClickButtonAsync("Pause", row);
            await page.WaitForStatusAsync("paused", row);
            await page.ClickButtonAsync("Resume", row);
            await page.WaitForStatusAsync("running", row);
            var capsule = await user.Api.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
            Assert.Equal("running", capsule.GetProperty("status").GetString());
        }
        finally
        {
            await user.Api.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task AnotherTeam_SeesNoneOfTheCapsules()
    {
        var owner = await dashboard.NewUserAsync();
        var stranger = await dashboard.NewUserAsync();
        var id = await DashboardServer.CreateCapsuleAsync(owner);
        try
        {
            await using var page = await dashboard.OpenAsync(stranger);
            await page.Page.SelectAsync(".filters select", "all");
            // Loaded: the stranger's team has no capsule at all, in any status.
            await page.WaitForAsync("document.querySelector('p.empty') !== null");
            Assert.Null(await page.Page.QuerySelectorAsync($"tr[data-capsule={id}]"));
            await page.GoToAsync($"/capsules/{id}");
            await page.WaitForHeadingAsync("Capsule not found");
            using var direct = await stranger.Api.GetAsync($"/v1/capsules/{id}");
            Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        }
        finally
        {
            await owner.Api.DeleteAsync($"/v1/capsules/{id}");
        }
    }
}
