namespace Wrenn.SnapshotStore;

/// <summary>
/// Where a chunk lives: its SHA-256 (lowercase hex) is its name, so equal chunks of any snapshot are
/// stored once. Keys fan out over 256 directories by the hash's first byte
/// (<c>chunks/ab/ab12…</c>), which keeps directory stores' listings short.
/// </summary>
internal static class ChunkAddress
{
    public const string Prefix = "chunks/";

    private const int HexLength = 64;

    public static string Key(string sha256) => $"{Prefix}{sha256[..2]}/{sha256}";

    public static bool IsSha256(string? value) =>
        value is { Length: HexLength } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>The hash a chunk key names; null for any other key (never collected: it is not ours).</summary>
    public static string? HashOf(string key)
    {
        var hash = key[(key.LastIndexOf('/') + 1)..];
        return IsSha256(hash) && key == Key(hash) ? hash : null;
    }
}
