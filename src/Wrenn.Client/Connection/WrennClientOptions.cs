namespace Wrenn.Client;

/// <summary>Where the Wrenn API is and how to authenticate to it.</summary>
public sealed class WrennClientOptions
{
    /// <summary>The address <c>wrenn serve</c> listens on by default.</summary>
    public static readonly Uri DefaultBaseUrl = new("http://127.0.0.1:8080/");

    /// <summary>The API's base address (without <c>/v1</c>).</summary>
    public Uri BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>An API key (<c>wrn_…</c>), sent as <c>X-API-Key</c>: capsule and template operations of its team.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A session token from a login (<c>WrennClient.Auth.LoginAsync</c>), sent as a Bearer token: management routes too.</summary>
    public string? AccessToken { get; set; }

    /// <summary>Limit for one HTTP request (streams and WebSockets are not bound by it). Default 2 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The handler under the client's <see cref="HttpClient"/>; null: a new <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? Handler { get; set; }

    /// <summary>
    /// Options from the environment: <c>WRENN_BASE_URL</c> (default <see cref="DefaultBaseUrl"/>),
    /// <c>WRENN_API_KEY</c> and <c>WRENN_ACCESS_TOKEN</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><c>WRENN_BASE_URL</c> is not an absolute http(s) URL.</exception>
    public static WrennClientOptions FromEnvironment() => new()
    {
        BaseUrl = Environment.GetEnvironmentVariable("WRENN_BASE_URL") is { Length: > 0 } url ? ParseBaseUrl(url) : DefaultBaseUrl,
        ApiKey = NonEmpty(Environment.GetEnvironmentVariable("WRENN_API_KEY")),
        AccessToken = NonEmpty(Environment.GetEnvironmentVariable("WRENN_ACCESS_TOKEN")),
    };

    /// <summary>Parses a base URL: absolute http or https; a missing trailing slash is added.</summary>
    /// <exception cref="ArgumentException">Not an absolute http(s) URL.</exception>
    public static Uri ParseBaseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{text}' is not an http or https URL", nameof(text));
        }

        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
