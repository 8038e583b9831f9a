using System.Text.Json;
using System.Text.Json.Serialization;
using Wrenn.Linux.FileSystem;

using Wrenn.HostAgent.Snapshots;

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
                    throw new SnapshotException("memory layer does not belong to this chain");
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

    /// <summary>
    /// This chain with the layers that live under <paramref name="owner"/> (a capsule's directory)
    /// hard-linked into <paramref name="directory"/>, so that the owner's older snapshot directories
    /// can go; layers elsewhere (a template's) are shared in place.
    /// </summary>
    public MemoryChain WithOwnLayersIn(string directory, string owner)
    {
        var ownerPrefix = Path.GetFullPath(owner) + Path.DirectorySeparatorChar;
        return this with
        {
            Layers = [.. Layers.Select(layer =>
            {
                if (!Path.GetFullPath(layer.Path).StartsWith(ownerPrefix, StringComparison.Ordinal) || Path.GetDirectoryName(layer.Path) == directory)
                {
                    return layer;
                }

                var linked = Path.Combine(directory, Path.GetFileName(layer.Path));
                if (!File.Exists(linked) && !HardLink.TryCreate(layer.Path, linked))
                {
                    File.Copy(layer.Path, linked);
                }

                return layer with { Path = linked };
            })],
        };
    }

    /// <summary>
    /// Writes the chain to <paramref name="path"/> (temporary file, then rename). Layers in the same
    /// directory are recorded by file name, so the directory can be renamed as a whole (a template
    /// build moving into place); others keep their full path.
    /// </summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        var portable = this with
        {
            Layers = [.. Layers.Select(layer => Path.GetDirectoryName(Path.GetFullPath(layer.Path)) == directory ? layer with { Path = Path.GetFileName(layer.Path) } : layer)],
        };
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, portable, Options);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static MemoryChain Load(string path)
    {
        try
        {
            var chain = JsonSerializer.Deserialize<MemoryChain>(File.ReadAllText(path), Options)
                ?? throw new SnapshotException("memory chain is empty");
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return chain with { Layers = [.. chain.Layers.Select(layer => layer with { Path = Path.Combine(directory, layer.Path) })] };
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new SnapshotException("memory chain is missing or unreadable", exception);
        }
    }
}

/// <summary>One layer of a <see cref="MemoryChain"/>: its file and the id in its header.</summary>
public sealed record MemoryChainLayer(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("id")] Guid Id);
