namespace Wrenn.Client;

/// <summary>A template capsules are created from: a platform one or the team's.</summary>
/// <param name="Name">Its name, by which capsules are created from it.</param>
/// <param name="Type">What it holds.</param>
/// <param name="Vcpus">For a snapshot, its fixed virtual CPUs; null for a base.</param>
/// <param name="MemoryMb">For a snapshot, its fixed memory in MiB; null for a base.</param>
/// <param name="SizeBytes">Its stored size.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Platform">The operator's, visible to every team (it cannot be deleted by a team).</param>
public sealed record Template(string Name, TemplateType Type, int? Vcpus, int? MemoryMb, long SizeBytes, DateTimeOffset CreatedAt, bool Platform);

/// <summary>The JSON body of a snapshot create.</summary>
internal sealed record SnapshotBody([property: System.Text.Json.Serialization.JsonPropertyName("sandbox_id")] CapsuleId CapsuleId, string? Name);
