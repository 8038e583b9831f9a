using System.Globalization;

namespace Wrenn.Recipes;

/// <summary>
/// The check a build waits for before freezing its template:
/// <c>[--interval=3s] [--timeout=10s] [--start-period=0] [--retries=0] command</c>, the reference
/// Wrenn's syntax. The first try is one interval after the start; failures count only after the
/// start period; retries 0 means no limit but the build's own.
/// </summary>
public sealed record Healthcheck(string Command, TimeSpan Interval, TimeSpan Timeout, TimeSpan StartPeriod, int Retries)
{
    public static Healthcheck Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0)
        {
            throw new RecipeException("empty healthcheck");
        }

        var check = new Healthcheck("", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), TimeSpan.Zero, 0);
        var index = 0;
        for (; index < fields.Length && fields[index].StartsWith("--", StringComparison.Ordinal); index++)
        {
            var equals = fields[index].IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new RecipeException($"malformed flag (missing '='): \"{fields[index]}\"");
            }

            var value = fields[index][(equals + 1)..];
            check = fields[index][2..equals] switch
            {
                "interval" => check with { Interval = Duration("interval", value) },
                "timeout" => check with { Timeout = Duration("timeout", value) },
                "start-period" => check with { StartPeriod = Duration("start period", value, allowZero: true) },
                "retries" => check with { Retries = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retries) ? retries : throw new RecipeException($"parse retries: \"{value}\"") },
                _ => throw new RecipeException($"unknown healthcheck flag: \"{fields[index]}\""),
            };
        }

        // As the reference does: the command's words re-joined with single spaces.
        return index < fields.Length ? check with { Command = string.Join(' ', fields[index..]) } : throw new RecipeException("healthcheck has no command");
    }

    /// <summary>A healthcheck file: its text, or null when the file does not exist.</summary>
    public static Healthcheck? Load(string? path) => path is not null && File.Exists(path) ? Parse(File.ReadAllText(path)) : null;

    private static TimeSpan Duration(string name, string value, bool allowZero = false) =>
        GoDuration.TryParse(value, out var duration) && (duration > TimeSpan.Zero || allowZero) && duration <= GoDuration.Longest ? duration : throw new RecipeException($"parse {name}: \"{value}\"");
}
