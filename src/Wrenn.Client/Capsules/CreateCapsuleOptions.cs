namespace Wrenn.Client;

/// <summary>What to create a capsule from; every member is optional.</summary>
public sealed class CreateCapsuleOptions
{
    /// <summary>A platform template (<c>minimal</c>, <c>base-python</c>…) or one of the team's; default <c>minimal</c>.</summary>
    public string? Template { get; set; }

    /// <summary>Virtual CPUs (default 1); fixed by snapshot templates.</summary>
    public int? Vcpus { get; set; }

    /// <summary>Memory in MiB (default 512); fixed by snapshot templates.</summary>
    public int? MemoryMb { get; set; }

    /// <summary>Seconds of inactivity before the capsule is paused (0 or absent: never).</summary>
    public int? TimeoutSec { get; set; }

    /// <summary>Resume the capsule when traffic arrives for it while it is paused.</summary>
    public bool? AutoResume { get; set; }

    /// <summary>
    /// Makes the create safe to retry: a repeat with the same key within 24 h returns the first
    /// capsule instead of creating another. Not sent in the body.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? IdempotencyKey { get; set; }
}
