using System.Globalization;

namespace Wrenn.SnapshotStore;

/// <summary>Where each kind of manifest lives in a store (the collector keeps what the control plane names live).</summary>
public static class StoreKeys
{
    public const string Manifests = ManifestStore.Prefix;

    /// <summary>A paused capsule's snapshot of one pause generation.</summary>
    public static string Capsule(string capsuleId, int generation) =>
        string.Create(CultureInfo.InvariantCulture, $"{Manifests}capsules/{capsuleId}/gen-{generation}.json");

    /// <summary>One build of a template (built-in, or made from a capsule), by its build id.</summary>
    public static string Template(string buildId) => $"{Manifests}templates/{buildId}.json";

    /// <summary>A guest root image, by the SHA-256 of its bytes.</summary>
    public static string Image(string sha256) => $"{Manifests}images/{sha256}.json";
}
