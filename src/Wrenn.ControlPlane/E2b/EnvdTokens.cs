using System.Security.Cryptography;
using System.Text;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// The access token of a sandbox's data plane (E2B's <c>envdAccessToken</c>, sent back as
/// <c>X-Access-Token</c>): HMAC-SHA256 of the capsule id under a secret shared by the control
/// planes, so it needs no storage, survives pause and resume (an SDK instance keeps its first
/// token), and no capsule's token tells anything about another's.
/// </summary>
internal sealed class EnvdTokens(Database database)
{
    private byte[]? _secret;

    public async Task<string> OfAsync(string capsuleId, CancellationToken cancellationToken)
    {
        _secret ??= await SharedSecrets.GetAsync(database, "e2b_envd_secret", cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(capsuleId)));
    }

    /// <summary>Whether <paramref name="presented"/> is the capsule's token (constant time).</summary>
    public async Task<bool> IsValidAsync(string capsuleId, string presented, CancellationToken cancellationToken)
    {
        var expected = Encoding.ASCII.GetBytes(await OfAsync(capsuleId, cancellationToken).ConfigureAwait(false));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(presented));
    }
}
