namespace Wrenn.HostAgent.Capsules;

/// <summary>Where the host agent keeps capsules, and how long it waits for them.</summary>
public sealed class RuntimeOptions
{
    /// <summary>Root of the host agent's state; capsules live in &lt;DataDirectory&gt;/capsules.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Cold boot to agent ready. TCG boots take ~2 s alone and longer when several run at once.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How long, after a restart, a capsule left running may take to answer before its VM is
    /// stopped and the capsule is an error: adoption runs for all capsules at once, so this bounds
    /// how long a start can take.
    /// </summary>
    public TimeSpan AdoptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a capsule stays paused before its pause is sent to the snapshot store. One resumed
    /// sooner never pays for the upload, which would only be cancelled by the resume, and its resume
    /// does not compete with the upload's hashing and compression for the CPU.
    /// </summary>
    public TimeSpan UploadDelay { get; init; } = DefaultUploadDelay;

    public static readonly TimeSpan DefaultUploadDelay = TimeSpan.FromSeconds(10);

    public string CapsulesDirectory => Path.Combine(DataDirectory, "capsules");

    /// <summary>Disk budget of the built-in template snapshots (a cache: least recently used ones go); null: unlimited.</summary>
    public long? TemplateCacheBytes { get; init; }

    /// <summary>Template snapshots; by default &lt;DataDirectory&gt;/templates. Several runtimes may share one.</summary>
    public string? TemplatesDirectory { get; init; }
}
