namespace Wrenn.Client;

/// <summary>Which capsules <see cref="CapsulesClient.ListAsync"/> returns.</summary>
public sealed class CapsuleListOptions
{
    /// <summary>Only these statuses; empty: every status but <c>stopped</c> and <c>error</c>.</summary>
    public IReadOnlyCollection<CapsuleStatus> Statuses { get; set; } = [];

    /// <summary>Every status, the terminal ones included (overrides <see cref="Statuses"/>).</summary>
    public bool All { get; set; }

    /// <summary>Capsules per page (1–1000); the enumeration fetches pages as it goes.</summary>
    public int PageSize { get; set; } = 1000;
}
