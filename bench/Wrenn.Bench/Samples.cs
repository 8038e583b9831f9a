using System.Globalization;

namespace Wrenn.Bench;

/// <summary>
/// Repeated measurements of one quantity, summarized by their median and compared with the
/// issue's target: "ratio" is median / target, and "ok" says whether the target is met (a ceiling
/// for times, a floor for throughputs).
/// </summary>
internal sealed class Samples(string name, string unit, double target, bool higherIsBetter = false)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public string Unit { get; } = unit;

    public void Add(double value) => _values.Add(value);

    public double Median
    {
        get
        {
            var sorted = _values.Order().ToArray();
            var middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public bool MeetsTarget => higherIsBetter ? Median >= target : Median <= target;

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name,-34} | {Median,10:0.###} | {_values.Min(),10:0.###} | {_values.Max(),10:0.###} | {_values.Count,4} | {Unit,-5} | {(higherIsBetter ? ">=" : "<=")}{target,8:0.###} | {Median / target,6:0.00} | {(MeetsTarget ? "ok" : "MISS"),-4} |");

    public static string Header() =>
        "| measurement                        |     median |        min |        max |    n | unit  |   target |  ratio | met  |\n" +
        "|------------------------------------|------------|------------|------------|------|-------|----------|--------|------|";
}
