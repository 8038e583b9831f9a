using Wrenn.Dashboard.Tests.Server;

namespace Wrenn.Dashboard.Tests.Session;

[Collection("dashboard")]
public sealed class SignInTests(DashboardServer dashboard)
{
    [Fact]
    public async Task AWrongPassword_ShowsTheServersMessage_ThenTheRightOneSignsIn()
    {
        var user = await dashboard.NewUserAsync();
        await using var page = await dashboard.OpenAsync();
        await page.GoToAsync("/");
        await page.TypeWhenShownAsync("input[name=email]", user.Email);
        await page.TypeWhenShownAsync("input[name=password]", "not the password");
        await page.ClickWhenShownAsync("button[type=submit]");
        await page.WaitForAsync("document.querySelector('[role=alert]')?.textContent === 'wrong email or password'");

        await page.SignInAsync(user.Email, user.Password);
        // A reload keeps the session; signing out ends it.
        await page.Page.ReloadAsync();
        await page.WaitForHeadingAsync("Capsules");
        await page.ClickButtonAsync("Sign out");
        await page.WaitForHeadingAsync("Sign in to Wrenn");
    }

    [Fact]
    public async Task SignUp_MakesAnAccount_AndSignsIn()
    {
        await using var page = await dashboard.OpenAsync();
        await page.GoToAsync("/");
        await page.ClickWhenShownAsync("button::-p-text(No account? Sign up)");
        await page.TypeWhenShownAsync("input[name=name]", "Ada");
        await page.TypeWhenShownAsync("input[name=email]", $"ada-{Guid.NewGuid():N}@example.com");
        await page.TypeWhenShownAsync("input[name=password]", "a long enough password");
        await page.ClickWhenShownAsync("button[type=submit]");
        await page.WaitForHeadingAsync("Capsules");
        await page.WaitForAsync("document.querySelector('.team select')?.selectedOptions[0]?.textContent === \"Ada's Team\"");
    }
}
