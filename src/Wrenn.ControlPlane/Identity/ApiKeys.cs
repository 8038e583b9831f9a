using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Identity;

/// <summary>A stored API key: never the key itself, only its SHA-256 and its first 12 characters.</summary>
internal sealed record ApiKeyRecord(string Id, string TeamId, string Name, string KeyPrefix, string? CreatedBy, long CreatedAt, long? LastUsedAt);

/// <summary>API keys (<c>wrn_</c> + 32 hex): created once-shown, looked up by hash, revoked by deletion.</summary>
internal sealed class ApiKeys(Database database, TimeProvider time)
{
    private const string KeyPrefixText = "wrn_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromSeconds(60);
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, long> _lastUsedWritten = new();

    // Known keys by hash, for at most 5 s: revocation is immediate here (the entry is dropped) and
    // reaches other instances within 5 s, as the contract allows; most requests skip the database.
    private readonly ConcurrentDictionary<string, (ApiKeyRecord Record, long Until)> _recent = new(StringComparer.Ordinal);

    public static bool LooksLikeKey(string key) =>
        key.Length == KeyPrefixText.Length + 32 && key.StartsWith(KeyPrefixText, StringComparison.Ordinal)
        && !key.AsSpan(KeyPrefixText.Length).ContainsAnyExcept(HexDigits);

    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(TeamId team, string name, UserId? createdBy, CancellationToken cancellationToken)
    {
        var key = KeyPrefixText + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var record = new ApiKeyRecord(ApiKeyId.New().Value, team.Value, name, key[..12], createdBy?.Value, time.GetUtcNow().ToUnixTimeMilliseconds(), null);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "INSERT INTO api_keys (id, team_id, name, key_hash, key_prefix, created_by, created_at) VALUES (@Id, @TeamId, @Name, @Hash, @KeyPrefix, @CreatedBy, @CreatedAt)",
            new { record.Id, record.TeamId, record.Name, Hash = Hash(key), record.KeyPrefix, record.CreatedBy, record.CreatedAt }).ConfigureAwait(false);
        return (record, key);
    }

    /// <summary>The key's record when it exists (unknown and revoked keys look the same: null).</summary>
    public async Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (!LooksLikeKey(key))
        {
            return null;
        }

        var hash = Hash(key);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_recent.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Record;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var record = await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            "SELECT id, team_id, name, key_prefix, created_by, created_at, last_used_at FROM api_keys WHERE key_hash = @Hash",
            new { Hash = hash }).ConfigureAwait(false);
        if (record is not null)
        {
            _recent[hash] = (record, now + (long)CacheFor.TotalMilliseconds);
            await TouchAsync(connection, record).ConfigureAwait(false);
        }

        return record;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ApiKeyRecord>(
            "SELECT id, team_id, name, key_prefix, created_by, created_at, last_used_at FROM api_keys WHERE team_id = @Team ORDER BY created_at, id",
            new { Team = team.Value }).ConfigureAwait(false);
        return rows.AsList();
    }

    public async Task<ApiKeyRecord?> GetAsync(TeamId team, ApiKeyId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            "SELECT id, team_id, name, key_prefix, created_by, created_at, last_used_at FROM api_keys WHERE team_id = @Team AND id = @Id",
            new { Team = team.Value, Id = id.Value }).ConfigureAwait(false);
    }

    /// <summary>Revokes a key: its row goes, so the next request with it is a 401.</summary>
    public async Task<bool> DeleteAsync(TeamId team, ApiKeyId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await connection.ExecuteAsync("DELETE FROM api_keys WHERE team_id = @Team AND id = @Id", new { Team = team.Value, Id = id.Value }).ConfigureAwait(false) == 1;
        Forget(record => record.Id == id.Value);
        return deleted;
    }

    /// <summary>Drops cached keys matching <paramref name="revoked"/> (a deleted key, a deleted team's keys).</summary>
    public void Forget(Func<ApiKeyRecord, bool> revoked)
    {
        foreach (var (hash, entry) in _recent)
        {
            if (revoked(entry.Record))
            {
                _recent.TryRemove(hash, out _);
            }
        }
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Updates <c>last_used_at</c> at most once a minute per key.</summary>
    private async Task TouchAsync(System.Data.Common.DbConnection connection, ApiKeyRecord record)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var written = _lastUsedWritten.GetOrAdd(record.Id, record.LastUsedAt ?? 0);
        if (now - written < LastUsedResolution.TotalMilliseconds || !_lastUsedWritten.TryUpdate(record.Id, now, written))
        {
            return;
        }

        await connection.ExecuteAsync("UPDATE api_keys SET last_used_at = @Now WHERE id = @Id", new { Now = now, record.Id }).ConfigureAwait(false);
    }
}
