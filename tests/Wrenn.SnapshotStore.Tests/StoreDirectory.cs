using System.Diagnostics;

namespace Wrenn.SnapshotStore.Tests;

/// <summary>A temporary directory holding a store (<see cref="Store"/>) and files to move in and out of it (<see cref="File"/>).</summary>
internal sealed class StoreDirectory : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wrenn-store-" + Guid.NewGuid().ToString("N"));

    public StoreDirectory()
    {
        Directory.CreateDirectory(StoreRoot);
        Directory.CreateDirectory(Path.Combine(_root, "files"));
        Store = new DirectoryObjectStore(StoreRoot);
    }

    public string StoreRoot => Path.Combine(_root, "store");

    public DirectoryObjectStore Store { get; }

    public static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public string File(string name) => Path.Combine(_root, "files", name);

    public string ObjectPath(string key) => Path.Combine(StoreRoot, key);

    /// <summary>Where the store keeps the chunk <paramref name="sha256"/> (the layout is part of the store's format).</summary>
    public string ChunkPath(string sha256) => ObjectPath($"chunks/{sha256[..2]}/{sha256}");

    /// <summary>Makes the object file at <paramref name="path"/> look last written <paramref name="age"/> ago.</summary>
    public static void Age(string path, TimeSpan age) => System.IO.File.SetLastWriteTimeUtc(path, (Now - age).UtcDateTime);

    /// <summary>Ages every object of the store by <paramref name="age"/>.</summary>
    public void AgeAll(TimeSpan age)
    {
        foreach (var path in Directory.EnumerateFiles(StoreRoot, "*", SearchOption.AllDirectories))
        {
            Age(path, age);
        }
    }

    /// <summary>Bytes the file system allocated to <paramref name="path"/> (holes take none).</summary>
    public static long AllocatedBytes(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true })!;
        var fields = stat.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries);
        stat.WaitForExit();
        return long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
