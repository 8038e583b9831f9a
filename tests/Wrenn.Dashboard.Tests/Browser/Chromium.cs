using PuppeteerSharp;

namespace Wrenn.Dashboard.Tests.Browser;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>, installed by <c>make setup</c>), headless; PuppeteerSharp
/// starts it, and stops it by its own process handle.
/// </summary>
public static class Chromium
{
    public static string Executable => Environment.GetEnvironmentVariable("WRENN_CHROMIUM") ?? "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync() => Puppeteer.LaunchAsync(new LaunchOptions
    {
        Headless = true,
        ExecutablePath = Executable,
        // Root has no user namespace sandbox here; /dev/shm is small in containers.
        Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions"],
        DefaultViewport = new ViewPortOptions { Width = 1280, Height = 860 },
    });
}
