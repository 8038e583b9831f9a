using PuppeteerSharp;

namespace Wrenn.Dashboard.Tests.Browser;

/// <summary>
/// One page of the dashboard in a fresh browser context (its own storage, so its own session),
/// with the user's steps as methods. Disposing saves a screenshot when given a path (the tests
/// name one for each test, so that a failed test leaves its picture too).
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly IBrowserContext _context;
    private readonly string? _screenshot;
    private readonly List<string> _errors = [];

    private DashboardPage(IBrowserContext context, IPage page, Uri baseAddress, string? screenshot)
    {
        _context = context;
        Page = page;
        BaseAddress = baseAddress;
        _screenshot = screenshot;
        page.DefaultTimeout = (int)Patience.TotalMilliseconds;
        // Confirmations (delete, revoke) are answered yes, as the user would.
        page.Dialog += async (_, e) => await e.Dialog.Accept();
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                lock (_errors)
                {
                    _errors.Add(e.Message.Text);
                }
            }
        };
        page.PageError += (_, e) =>
        {
            lock (_errors)
            {
                _errors.Add(e.Message);
            }
        };
    }

    public IPage Page { get; }

    public Uri BaseAddress { get; }

    /// <summary>What the browser reported as errors: script exceptions, refused requests, policy violations.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public static async Task<DashboardPage> OpenAsync(IBrowser browser, Uri baseAddress, string? screenshot = null)
    {
        var context = await browser.CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        return new DashboardPage(context, page, baseAddress, screenshot);
    }

    public async Task GoToAsync(string path) => await Page.GoToAsync(new Uri(BaseAddress, path).ToString(), WaitUntilNavigation.Load);

    public async Task SignInAsync(string email, string password)
    {
        await GoToAsync("/");
        await TypeWhenShownAsync("input[name=email]", email);
        await TypeWhenShownAsync("input[name=password]", password);
        await ClickWhenShownAsync("button[type=submit]");
        await WaitForHeadingAsync("Capsules");
        // The frame is complete once the team picker has the teams (read after the first render).
        await Page.WaitForSelectorAsync(".team select option");
    }

    public Task WaitForHeadingAsync(string text) => Page.WaitForSelectorAsync($"h1::-p-text({text})");

    public Task ClickButtonAsync(string text, string within = "") => ClickWhenShownAsync($"{within} button::-p-text({text})".Trim());

    /// <summary>Opens a tab of the capsule page once the page shows it.</summary>
    public Task OpenTabAsync(string name) => ClickWhenShownAsync($"[role=tab]::-p-text({name})");

    public Task ClickLinkAsync(string text) => ClickWhenShownAsync($"a::-p-text({text})");

    /// <summary>
    /// Clicks the element once it is laid out: a dialog is in the page before the effect that opens it
    /// runs, and a click on its button in between has no box to land on.
    /// </summary>
    public async Task ClickWhenShownAsync(string selector) => await (await WhenShownAsync(selector)).ClickAsync();

    public async Task TypeWhenShownAsync(string selector, string text) => await (await WhenShownAsync(selector)).TypeAsync(text);

    /// <summary>
    /// The element once it is visible and has kept its place for two animation frames, as a user
    /// would see it before aiming: a click computed during a reflow lands where it used to be.
    /// </summary>
    private async Task<IElementHandle> WhenShownAsync(string selector)
    {
        var element = await Page.WaitForSelectorAsync(selector, new WaitForSelectorOptions { Visible = true });
        // Bounded: an element that never keeps still (an animation) fails the step instead of hanging it.
        await element.EvaluateFunctionAsync(WaitForStableBox).WaitAsync(Patience);
        return element;
    }

    private const string WaitForStableBox = """
        async (element) => {
          const box = () => JSON.stringify(element.getBoundingClientRect());
          const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
          for (let before = box(); ; ) {
            await frame();
            await frame();
            const now = box();
            if (now === before) return;
            before = now;
          }
        }
        """;

    /// <summary>Waits until <paramref name="predicate"/> (a JavaScript expression) is true in the page.</summary>
    public Task WaitForAsync(string predicate) => Page.WaitForFunctionAsync($"() => {{ return {predicate}; }}", new WaitForFunctionOptions { Timeout = (int)Patience.TotalMilliseconds, PollingInterval = 50 });

    public Task<T> EvaluateAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    /// <summary>The capsule's status as the page shows it (list row or capsule page).</summary>
    public Task WaitForStatusAsync(string status, string within = "") =>
        WaitForAsync($"document.querySelector({Js(within + " [data-status]")})?.dataset.status === {Js(status)}");

    public static string Js(string value) => System.Text.Json.JsonSerializer.Serialize(value.Trim());

    public async ValueTask DisposeAsync()
    {
        if (_screenshot is not null)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_screenshot)!);
                await Page.ScreenshotAsync(_screenshot, new ScreenshotOptions { FullPage = true });
            }
            catch (PuppeteerException)
            {
                // A page that crashed has no picture to give; the test's own failure says why.
            }
        }

        await _context.CloseAsync();
    }
}
