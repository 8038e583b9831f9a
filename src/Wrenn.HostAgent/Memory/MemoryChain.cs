using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.HostAgent.Memory;

/// <summary>
/// The layers that make up one snapshot's memory, base first, as recorded in that snapshot's
/// memory.json. Each layer names its parent's id, so a chain whose files were swapped or
/// reordered does not open. Pauses add a diff layer; after <see cref="MaxLayers"/> the chain is
/// merged into one new base layer, so restores never walk long chains.
/// </summary>
public sealed record MemoryChain(
    [property: JsonPropertyName("memory_bytes")] long MemoryBytes,
    [property: JsonPropertyName("layers")] IReadOnlyList<MemoryChainLayer> Layers)
{
    /// <summary>Longest chain kept: a base and up to three diff layers.</summary>
    public const int MaxLayers = 4;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Opens every layer and checks the chain: the map a page server serves from.</summary>
    internal PageMap Open()
    {
        var opened = new List<MemoryLayer>();
        try
        {
            var parent = Guid.Empty;
            foreach (var layer in Layers)
            {
                var open = MemoryLayer.Open(layer.Path);
                opened.Add(open);
                if (open.Header.LayerId != layer.Id || open.Header.ParentId != parent || open.Header.MemoryBytes != MemoryBytes)
                {
                    throw new MemoryLayerException("memory layer does not belong to this chain");
                }

                parent = open.Header.LayerId;
            }

            return new PageMap(opened);
        }
        catch
        {
            opened.ForEach(layer => layer.Dispose());
            throw;
        }
    }

    public void Save(string path)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, this, Options);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static MemoryChain Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MemoryChain>(File.ReadAllText(path), Options)
                ?? throw new MemoryLayerException("memory chain is empty");
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new MemoryLayerException("memory chain is missing or unreadable", exception);
        }
    }
}

/// <summary>One layer of a <see cref="MemoryChain"/>: its file and the id in its header.</summary>
public sealed record MemoryChainLayer(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("id")] Guid Id);
