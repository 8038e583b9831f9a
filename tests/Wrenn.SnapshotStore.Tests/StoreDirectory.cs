namespace Wrenn.SnapshotStore.Tests;

/// <summary>A temporary directory holding a store (<see cref="Store"/>).</summary>
internal sealed class StoreDirectory : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wrenn-store-" + Guid.NewGuid().ToString("N"));

    public StoreDirectory()
    {
        Directory.CreateDirectory(StoreRoot);
        Store = new DirectoryObjectStore(StoreRoot);
    }

    public string StoreRoot => Path.Combine(_root, "store");

    public DirectoryObjectStore Store { get; }

    public static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public string ObjectPath(string key) => Path.Combine(StoreRoot, key);

    /// <summary>Makes the object file at <paramref name="path"/> look last written <paramref name="age"/> ago.</summary>
    public static void Age(string path, TimeSpan age) => System.IO.File.SetLastWriteTimeUtc(path, (Now - age).UtcDateTime);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
