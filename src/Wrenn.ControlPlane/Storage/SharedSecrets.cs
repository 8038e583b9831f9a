using System.Security.Cryptography;
using Dapper;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// Random 32-byte secrets kept in the database's settings, so that every control plane sharing it
/// uses the same ones: the first instance to ask makes it, the others read it.
/// </summary>
internal static class SharedSecrets
{
    public static async Task<byte[]> GetAsync(Database database, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "INSERT INTO settings (key, value) VALUES (@Name, @Secret) ON CONFLICT DO NOTHING",
            new { Name = name, Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }).ConfigureAwait(false);
        var secret = await connection.ExecuteScalarAsync<string>("SELECT value FROM settings WHERE key = @Name", new { Name = name }).ConfigureAwait(false);
        return Convert.FromBase64String(secret!);
    }
}
