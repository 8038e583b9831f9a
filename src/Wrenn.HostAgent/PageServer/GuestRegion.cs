using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.PageServer;

/// <summary>
/// One guest memory region as Firecracker describes it to a UFFD handler: where the VMM mapped it,
/// how big it is, where it starts in the snapshot's memory, and the page size it is backed with
/// (4 KiB, or 2 MiB with hugepages). Firecracker has called the last field "page_size_kib" (while
/// sending bytes) and later "page_size"; both are accepted.
/// </summary>
public sealed record GuestRegion(
    [property: JsonPropertyName("base_host_virt_addr")] ulong BaseAddress,
    [property: JsonPropertyName("size")] ulong Size,
    [property: JsonPropertyName("offset")] ulong Offset,
    [property: JsonPropertyName("page_size")] ulong? PageSize,
    [property: JsonPropertyName("page_size_kib")] ulong? LegacyPageSize)
{
    public ulong BackingPageSize => PageSize ?? LegacyPageSize ?? 4096;

    public static IReadOnlyList<GuestRegion> ParseAll(ReadOnlySpan<byte> json)
    {
        var regions = JsonSerializer.Deserialize<List<GuestRegion>>(json) ?? throw new JsonException("no regions");
        foreach (var region in regions)
        {
            var pageSize = region.BackingPageSize;
            if (pageSize is not (4096 or 2 * 1024 * 1024) || region.Size == 0 || region.Size % pageSize != 0
                || region.Offset % 4096 != 0 || region.BaseAddress % pageSize != 0)
            {
                throw new JsonException("a guest region is not page aligned");
            }
        }

        return regions;
    }

    public string ToJson() => JsonSerializer.Serialize(this);
}
