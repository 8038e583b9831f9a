namespace Wrenn.HostAgent.Capsules;

/// <summary>Where the host agent keeps capsules, and how long it waits for them.</summary>
public sealed class RuntimeOptions
{
    /// <summary>Root of the host agent's state; capsules live in &lt;DataDirectory&gt;/capsules.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Cold boot to agent ready. TCG boots take ~2 s alone and longer when several run at once.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public string CapsulesDirectory => Path.Combine(DataDirectory, "capsules");

    /// <summary>Template snapshots; by default &lt;DataDirectory&gt;/templates. Several runtimes may share one.</summary>
    public string? TemplatesDirectory { get; init; }
}
