using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Wrenn.SnapshotStore;

/// <summary>
/// What a manifest holds on to, read from its JSON without knowing its type: the manifests it
/// references and the chunks of its parts. The collector keeps exactly these; other fields are
/// the caller's business.
/// </summary>
internal sealed record ManifestLinks(IReadOnlyList<string> References, IReadOnlyList<string> Chunks)
{
    /// <summary>Reads the links of <paramref name="json"/>; false when it is not a manifest of the stored shape.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out ManifestLinks? links)
    {
        links = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var chunks = parts.EnumerateObject().SelectMany(part => part.Value.GetProperty("chunks").EnumerateArray())
                .Select(chunk => chunk.GetProperty("sha256").GetString()).ToList();
            var references = root.TryGetProperty("references", out var listed) && listed.ValueKind != JsonValueKind.Null
                ? listed.EnumerateArray().Select(reference => reference.GetString()).ToList()
                : [];
            if (!chunks.All(ChunkAddress.IsSha256) || !references.All(ObjectKey.IsValid))
            {
                return false;
            }

            links = new ManifestLinks(references!, chunks!);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return false; // not JSON, or a member missing or of another kind
        }
    }
}
