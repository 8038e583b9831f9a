using System.Numerics;
using System.Security.Cryptography;

namespace Wrenn.ControlPlane.Identity;

/// <summary>The public id format: a kind prefix and 25 lowercase base-36 digits of 128 random bits.</summary>
internal static class PublicIds
{
    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var number = new BigInteger(bytes, isUnsigned: true);
        Span<char> digits = stackalloc char[25];
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = Digits[(int)(number % 36)];
            number /= 36;
        }

        return prefix + new string(digits);
    }

    public static bool IsValid(string prefix, string? text) =>
        text is not null && text.Length == prefix.Length + 25 && text.StartsWith(prefix, StringComparison.Ordinal)
        && !text.AsSpan(prefix.Length).ContainsAnyExcept(Digits.AsSpan());
}

/// <summary>A team ("team-…").</summary>
internal readonly record struct TeamId(string Value)
{
    public const string Prefix = "team-";

    public static TeamId New() => new(PublicIds.New(Prefix));

    public static bool TryParse(string? text, out TeamId id)
    {
        id = PublicIds.IsValid(Prefix, text) ? new TeamId(text!) : default;
        return id.Value is not null;
    }

    public override string ToString() => Value;
}

/// <summary>A user ("usr-…").</summary>
internal readonly record struct UserId(string Value)
{
    public const string Prefix = "usr-";

    public static UserId New() => new(PublicIds.New(Prefix));

    public static bool TryParse(string? text, out UserId id)
    {
        id = PublicIds.IsValid(Prefix, text) ? new UserId(text!) : default;
        return id.Value is not null;
    }

    public override string ToString() => Value;
}

/// <summary>An API key ("key-…"), not the key itself.</summary>
internal readonly record struct ApiKeyId(string Value)
{
    public const string Prefix = "key-";

    public static ApiKeyId New() => new(PublicIds.New(Prefix));

    public static bool TryParse(string? text, out ApiKeyId id)
    {
        id = PublicIds.IsValid(Prefix, text) ? new ApiKeyId(text!) : default;
        return id.Value is not null;
    }

    public override string ToString() => Value;
}

/// <summary>A host that runs capsules ("host-…").</summary>
internal readonly record struct HostId(string Value)
{
    public const string Prefix = "host-";

    public static HostId New() => new(PublicIds.New(Prefix));

    public static bool TryParse(string? text, out HostId id)
    {
        id = PublicIds.IsValid(Prefix, text) ? new HostId(text!) : default;
        return id.Value is not null;
    }

    public override string ToString() => Value;
}
