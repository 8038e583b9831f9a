namespace Wrenn.SnapshotStore;

/// <summary>
/// The operator's settings beside an <c>s3://</c> <c>snapshot_store</c>, as written (unchecked until
/// <see cref="StoreLocation.Parse"/>). Without keys, the AWS SDK finds credentials itself
/// (environment, instance role).
/// </summary>
public sealed class S3Settings
{
    /// <summary>The service's URL, e.g. <c>http://127.0.0.1:8080</c>; AWS itself when absent.</summary>
    public string? Endpoint { get; init; }

    public string? Region { get; init; }

    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>Key prefix inside the bucket, the same as a path in <c>s3://bucket/prefix</c>.</summary>
    public string? Prefix { get; init; }

    internal bool IsEmpty => Endpoint is null && Region is null && AccessKey is null && SecretKey is null && Prefix is null;
}
