namespace Wrenn.SnapshotStore;

/// <summary>Opens the object store a <see cref="StoreLocation"/> names.</summary>
public static class ObjectStores
{
    public static IObjectStore Open(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind switch
        {
            StoreKind.Directory => new DirectoryObjectStore(location.DirectoryPath!),

            // Buckets are served by S3ObjectStore(location), which is built and tested on its own.
            StoreKind.S3 => throw new NotSupportedException("this build has no S3 snapshot store"),
            _ => throw new ArgumentOutOfRangeException(nameof(location), location.Kind, "unknown kind of snapshot store"),
        };
    }
}
