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

            StoreKind.S3 => new S3ObjectStore(
                location.Endpoint ?? new Uri($"https://s3.{location.Region}.amazonaws.com"), location.Region, location.Bucket!, location.Prefix,
                location.AccessKey ?? throw new ArgumentException("an S3 snapshot store needs an access key", nameof(location)),
                location.SecretKey ?? throw new ArgumentException("an S3 snapshot store needs a secret key", nameof(location))),
            _ => throw new ArgumentOutOfRangeException(nameof(location), location.Kind, "unknown kind of snapshot store"),
        };
    }
}
