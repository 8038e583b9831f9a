using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PuppeteerSharp;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.Dashboard.Tests.Browser;

namespace Wrenn.Dashboard.Tests.Server;

/// <summary>A user of the server: the login the browser types, and an API client with its session for setting things up.</summary>
public sealed record DashboardUser(string Email, string Password, HttpClient Api);

/// <summary>One real <c>wrenn serve</c> (with the dashboard built beside it) and one Chromium for the suite.</summary>
public sealed class DashboardServer : IAsyncLifetime
{
    public WrennServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where each test's screenshot goes, named for the test.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(WrennServer.RepositoryRoot, "artifacts", "screenshots", "dashboard");

    public async Task InitializeAsync()
    {
        Server = await WrennServer.StartAsync();
        Browser = await Chromium.LaunchAsync();
    }

    /// <summary>A new user with a team of its own (as <c>wrenn user add</c> makes one).</summary>
    public async Task<DashboardUser> NewUserAsync()
    {
        var (email, password) = await Server.AddUserAsync(admin: false);
        var api = Server.Anonymous();
        var session = await (await api.PostAsJsonAsync("/v1/auth/login", new { email, password })).Content.ReadFromJsonAsync<JsonElement>();
        api.DefaultRequestHeaders.Authorization = new("Bearer", session.GetProperty("token").GetString());
        return new DashboardUser(email, password, api);
    }

    /// <summary>A page named for the calling test, signed in as <paramref name="user"/> when given.</summary>
    public async Task<DashboardPage> OpenAsync(DashboardUser? user = null, [CallerMemberName] string test = "")
    {
        var page = await DashboardPage.OpenAsync(Browser, Server.BaseAddress, Path.Combine(ScreenshotDirectory, test + ".png"));
        if (user is not null)
        {
            await page.SignInAsync(user.Email, user.Password);
        }

        return page;
    }

    /// <summary>A running capsule of the user's team, made through the API.</summary>
    public static async Task<string> CreateCapsuleAsync(DashboardUser user)
    {
        var reply = await user.Api.PostAsJsonAsync("/v1/capsules", new { template = "minimal", timeout_sec = 0 });
        var capsule = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(reply.IsSuccessStatusCode, capsule.ToString());
        var id = capsule.GetProperty("id").GetString()!;
        // The first capsule of a run may still be starting (its template snapshot is being made).
        for (var waited = 0; capsule.GetProperty("status").GetString() is "pending" or "starting" && waited < 120; waited++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            capsule = await user.Api.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        }

        Assert.Equal("running", capsule.GetProperty("status").GetString());
        return id;
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition("dashboard")]
public sealed class SharedDashboard : ICollectionFixture<DashboardServer>;
