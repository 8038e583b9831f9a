namespace Wrenn.Client;

/// <summary>A team's reserved capacity, day by day (UTC), over a span of dates.</summary>
/// <param name="From">The first day.</param>
/// <param name="To">The last day.</param>
/// <param name="Points">One entry a day, in order.</param>
public sealed record TeamUsage(DateOnly From, DateOnly To, IReadOnlyList<UsageDay> Points);

/// <summary>One day of a team's usage (running time only; paused time is not counted).</summary>
/// <param name="Date">The day (UTC).</param>
/// <param name="CpuMinutes">Minutes running × virtual CPUs.</param>
/// <param name="RamMbMinutes">Minutes running × memory in MiB.</param>
public sealed record UsageDay(DateOnly Date, double CpuMinutes, double RamMbMinutes);
