using System.Globalization;

namespace Wrenn.Recipes;

/// <summary>
/// Durations as recipes written for the reference Wrenn spell them (Go's <c>time.ParseDuration</c>):
/// a sequence of decimal numbers with units ns, us, µs, ms, s, m, h (<c>5m</c>, <c>1h30m</c>, <c>1.5s</c>),
/// or a bare <c>0</c>.
/// </summary>
public static class GoDuration
{
    /// <summary>The longest timeout or interval a recipe may ask for (a build may not take longer).</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", TimeSpan.TicksPerMillisecond / 1e6), ("us", TimeSpan.TicksPerMillisecond / 1e3), ("µs", TimeSpan.TicksPerMillisecond / 1e3),
        ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        var rest = text.AsSpan();
        double ticks = 0;
        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            rest = rest[digits..];
            var unit = LongestUnitAt(rest);
            if (unit.Unit is null)
            {
                return false;
            }

            ticks += number * unit.Ticks;
            rest = rest[unit.Unit.Length..];
        }

        if (text.Length == 0 || ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    // Longest unit first: "ms" before "m", "ns"/"us" before "s".
    private static (string Unit, double Ticks) LongestUnitAt(ReadOnlySpan<char> text)
    {
        (string Unit, double Ticks) best = default;
        foreach (var unit in Units)
        {
            if (text.StartsWith(unit.Unit, StringComparison.Ordinal) && unit.Unit.Length > (best.Unit?.Length ?? 0))
            {
                best = unit;
            }
        }

        return best;
    }
}
