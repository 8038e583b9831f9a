namespace Wrenn.Host.Protocol;

/// <summary>What a capsule is created with.</summary>
/// <param name="Template">A built-in template image, or a template made from a capsule.</param>
/// <param name="Vcpus">Virtual CPUs.</param>
/// <param name="MemoryMb">Guest RAM in MiB.</param>
/// <param name="ColdBoot">
/// Boot the template image from scratch instead of restoring its snapshot (seconds instead of a
/// fraction of one; the capsule then owns its whole RAM file). For comparison and diagnosis.
/// </param>
/// <param name="Id">The capsule's id when the control plane has chosen it; a new one otherwise.</param>
/// <param name="TemplateBuild">A template made from a capsule: the build to use, fetched from the snapshot store when the host lacks it.</param>
public sealed record CapsuleSpec(string Template, int Vcpus = 1, int MemoryMb = 512, bool ColdBoot = false, CapsuleId? Id = null, string? TemplateBuild = null)
{
    /// <summary>The template of a create that names none (spec §4.1).</summary>
    public const string DefaultTemplate = "minimal";
}
