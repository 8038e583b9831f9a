namespace Wrenn.SnapshotStore;

/// <summary>
/// The shape every manifest in the store shares, which is all <see cref="StoreCollector"/> reads:
/// top-level <c>"parts"</c> (part name → <see cref="PartManifest"/>) and <c>"references"</c> (keys of
/// manifests this one needs, e.g. a capsule snapshot's template). Implementations add any other
/// fields; serialized names are snake_case.
/// </summary>
public interface IStoredManifest
{
    IReadOnlyDictionary<string, PartManifest> Parts { get; }

    IReadOnlyList<string> References { get; }
}
