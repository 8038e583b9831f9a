using Wrenn.Client;

namespace Wrenn.Cli.Login;

/// <summary>
/// The client's options: the environment (<c>WRENN_BASE_URL</c>, <c>WRENN_API_KEY</c>,
/// <c>WRENN_ACCESS_TOKEN</c>) over what <c>wrenn login</c> saved.
/// </summary>
internal static class Credentials
{
    public static WrennClientOptions Resolve(TimeProvider time)
    {
        var stored = StoredLogin.Load();
        var environment = WrennClientOptions.FromEnvironment();
        var baseUrl = Environment.GetEnvironmentVariable("WRENN_BASE_URL") is { Length: > 0 } || stored is null
            ? environment.BaseUrl : WrennClientOptions.ParseBaseUrl(stored.BaseUrl);
        var sessionValid = stored?.AccessTokenExpiresAt is not { } expires || expires > time.GetUtcNow();
        return new WrennClientOptions
        {
            BaseUrl = baseUrl,
            ApiKey = environment.ApiKey ?? stored?.ApiKey,
            AccessToken = environment.AccessToken ?? (sessionValid ? stored?.AccessToken : null),
        };
    }
}
