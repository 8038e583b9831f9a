namespace Wrenn.ControlPlane.Dashboard;

/// <summary>The headers every dashboard response carries: caching and the browser's security policy.</summary>
internal static class DashboardHeaders
{
    /// <summary>Hashed asset names change with their content.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>The page that names the current assets is checked on every load.</summary>
    public const string Revalidate = "no-cache";

    // Scripts and styles come only from this origin (no inline script: Vite emits none, and the
    // policy refuses any an attacker might inject); inline style attributes stay allowed because
    // xterm.js sizes its rows with them. The API and the WebSockets are this same origin.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Apply(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
