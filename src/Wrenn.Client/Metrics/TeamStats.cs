namespace Wrenn.Client;

/// <summary>A team's reserved capacity: now, its 30-day peaks, and a series over a range.</summary>
/// <param name="Range">The series' range.</param>
/// <param name="Current">Now.</param>
/// <param name="Peaks">The maxima of the last 30 days.</param>
/// <param name="Series">The series over <paramref name="Range"/>.</param>
public sealed record TeamStats(StatsRange Range, TeamStatsCurrent Current, TeamStatsPeaks Peaks, TeamStatsSeries Series);

/// <summary>A team's running capsules and what they reserve, now.</summary>
/// <param name="RunningCount">Running capsules.</param>
/// <param name="VcpusReserved">Their virtual CPUs.</param>
/// <param name="MemoryMbReserved">Their memory in MiB.</param>
/// <param name="SampledAt">When this was read.</param>
public sealed record TeamStatsCurrent(int RunningCount, long VcpusReserved, long MemoryMbReserved, DateTimeOffset SampledAt);

/// <summary>The highest a team's reserved capacity went in the last 30 days.</summary>
/// <param name="RunningCount">Running capsules.</param>
/// <param name="Vcpus">Virtual CPUs.</param>
/// <param name="MemoryMb">Memory in MiB.</param>
public sealed record TeamStatsPeaks(long RunningCount, long Vcpus, long MemoryMb);

/// <summary>A team's reserved capacity over time: parallel lists, one entry a bucket.</summary>
/// <param name="Labels">Each bucket's start.</param>
/// <param name="Running">Running capsules.</param>
/// <param name="Vcpus">Their virtual CPUs.</param>
/// <param name="MemoryMb">Their memory in MiB.</param>
public sealed record TeamStatsSeries(IReadOnlyList<DateTimeOffset> Labels, IReadOnlyList<long> Running, IReadOnlyList<long> Vcpus, IReadOnlyList<long> MemoryMb);
