namespace Wrenn.Client;

/// <summary>The team's API keys (<c>/v1/api-keys</c>, session only).</summary>
public sealed class ApiKeysClient
{
    private readonly ApiConnection _api;

    internal ApiKeysClient(ApiConnection api) => _api = api;

    /// <summary>Creates a key (name 1–100 characters; default <c>Unnamed API Key</c>); the reply is the only time its secret is shown.</summary>
    public Task<CreatedApiKey> CreateAsync(string? name = null, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/api-keys", ApiConnection.Json(new ApiKeyBody(name), WrennJson.Default.ApiKeyBody),
            WrennJson.Default.CreatedApiKey, cancellationToken);

    /// <summary>The team's keys, without their secrets.</summary>
    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
        => _api.GetAsync("v1/api-keys", WrennJson.Default.IReadOnlyListApiKey, cancellationToken);

    /// <summary>Revokes a key at once.</summary>
    /// <exception cref="NotFoundException">No such key.</exception>
    /// <exception cref="ForbiddenException">Another member's key, and the caller is a plain member.</exception>
    public Task DeleteAsync(ApiKeyId key, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, "v1/api-keys/" + key.Value, null, cancellationToken);
}
