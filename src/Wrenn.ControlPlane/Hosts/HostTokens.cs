using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// The secrets hosts hold (registration, host and refresh tokens): 256 random bits as 64 lowercase
/// hex characters, stored only as their SHA-256 so a copy of the database cannot act as a host.
/// </summary>
internal static class HostTokens
{
    /// <summary>How long a registration token may be used (spec §7.4).</summary>
    public static readonly TimeSpan RegistrationLifetime = TimeSpan.FromHours(1);

    /// <summary>How long a host token is accepted; the agent refreshes it with its refresh token before then.</summary>
    public static readonly TimeSpan HostTokenLifetime = TimeSpan.FromHours(24);

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdef");

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="token"/> has the shape of one: anything else is refused without a lookup.</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: 64 } && !token.AsSpan().ContainsAnyExcept(Hex);
}
