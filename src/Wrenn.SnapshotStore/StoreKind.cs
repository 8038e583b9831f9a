namespace Wrenn.SnapshotStore;

/// <summary>What kind of object store a <see cref="StoreLocation"/> names.</summary>
public enum StoreKind
{
    /// <summary>A directory: a local disk, or a share every host mounts at the same path.</summary>
    Directory,

    /// <summary>An S3-compatible bucket (AWS, MinIO, Ceph RGW, …).</summary>
    S3,
}
