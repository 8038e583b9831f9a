using System.Numerics;
using System.Security.Cryptography;

namespace Wrenn.Host.Protocol;

/// <summary>A capsule id: "cl-" and 25 lowercase base-36 digits holding 128 random bits.</summary>
public readonly record struct CapsuleId
{
    private const string Prefix = "cl-";
    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    private CapsuleId(string value) => Value = value;

    public string Value { get; }

    public static CapsuleId New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var number = new BigInteger(bytes, isUnsigned: true);
        var digits = new char[25];
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = Digits[(int)(number % 36)];
            number /= 36;
        }

        return new CapsuleId(Prefix + new string(digits));
    }

    public static bool TryParse(string? text, out CapsuleId id)
    {
        id = default;
        if (text is null || text.Length != Prefix.Length + 25 || !text.StartsWith(Prefix, StringComparison.Ordinal)
            || text.AsSpan(Prefix.Length).ContainsAnyExcept(Digits.AsSpan()))
        {
            return false;
        }

        id = new CapsuleId(text);
        return true;
    }

    public override string ToString() => Value;
}
