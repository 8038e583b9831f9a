using System.Globalization;

namespace Wrenn.Bench;

/// <summary>
/// Repeated measurements of one quantity, summarized by their median and compared with the
/// issue's target: "ratio" is median / target, and "ok" says whether the target is met (a ceiling
/// for times, a floor for throughputs).
/// </summary>
/// <remarks>
/// A sample without a target (a comparison row) shows dashes there.
/// </remarks>
internal sealed class Samples(string name, string unit, double? target, bool higherIsBetter = false)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public string Unit { get; } = unit;

    /// <summary>Adds a measurement; concurrent loops (the soak's capsules) may add at once.</summary>
    public void Add(double value)
    {
        lock (_values)
        {
            _values.Add(value);
        }
    }

    public int Count => _values.Count;

    public double Max => _values.Max();

    public double Mean => _values.Average();

    /// <summary>The value below which <paramref name="percent"/> % of the samples fall (nearest rank).</summary>
    public double Percentile(double percent)
    {
        var sorted = _values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public double Median
    {
        get
        {
            var sorted = _values.Order().ToArray();
            var middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public string Row()
    {
        var comparison = target is { } goal
            ? string.Create(CultureInfo.InvariantCulture,
                $"{(higherIsBetter ? ">=" : "<=")}{goal,8:0.###} | {Median / goal,6:0.00} | {((higherIsBetter ? Median >= goal : Median <= goal) ? "ok" : "MISS"),-4}")
            : $"{"-",10} | {"-",6} | {"-",-4}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Name,-34} | {Median,10:0.###} | {_values.Min(),10:0.###} | {_values.Max(),10:0.###} | {_values.Count,4} | {Unit,-5} | {comparison} |");
    }

    public static string Header() =>
        "| measurement                        |     median |        min |        max |    n | unit  |   target |  ratio | met  |\n" +
        "|------------------------------------|------------|------------|------------|------|-------|----------|--------|------|";
}
