using System.Globalization;
using System.Security.Cryptography;

namespace Wrenn.Agent.Protocol.Link;

/// <summary>
/// Names one host session on the agent link. The host draws a fresh random epoch for every
/// connection; every frame carries it, so bytes of an older session (left in a port's buffers, or
/// frozen into a snapshot) can never be taken for the current one's.
/// </summary>
public readonly record struct LinkEpoch(ulong Value)
{
    public bool IsNone => Value == 0;

    /// <summary>A random, non-zero epoch.</summary>
    public static LinkEpoch New()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            value = BitConverter.ToUInt64(bytes);
        }
        while (value == 0);

        return new LinkEpoch(value);
    }

    public override string ToString() => Value.ToString("x16", CultureInfo.InvariantCulture);
}
