namespace Wrenn.SnapshotStore.Tests;

/// <summary>Sparse files like a VMM's memory image: a length, some written ranges, holes everywhere else.</summary>
internal static class SparseImage
{
    public const int Page = 4096;

    /// <summary>Creates <paramref name="path"/> of <paramref name="length"/> bytes with <paramref name="writes"/> applied and holes elsewhere.</summary>
    public static void Write(string path, long length, params (long Offset, byte[] Data)[] writes)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(length);
        foreach (var (offset, data) in writes)
        {
            file.Position = offset;
            file.Write(data);
        }
    }

    /// <summary>Overwrites <paramref name="data"/> at <paramref name="offset"/> of an existing file.</summary>
    public static void Patch(string path, long offset, byte[] data)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.Write(data);
    }

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
