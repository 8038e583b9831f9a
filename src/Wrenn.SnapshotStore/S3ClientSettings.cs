using Amazon.Runtime;
using Amazon.S3;

namespace Wrenn.SnapshotStore;

/// <summary>How <see cref="S3ObjectStore"/> talks to a server: the subset of S3 that compatible servers share, and a quick verdict when the server is gone.</summary>
internal static class S3ClientSettings
{
    /// <summary>Chunks and manifests are opaque bytes to the store.</summary>
    public const string ContentType = "application/octet-stream";

    /// <summary>Long enough for a few MiB over a slow link; a request that takes longer is a store in trouble.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A reachable server accepts a connection at once; waiting longer only delays the verdict.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Rides over a dropped connection without turning an outage into minutes of retries.</summary>
    private const int Retries = 2;

    public static AmazonS3Config For(Uri endpoint, string region) => new()
    {
        ServiceURL = endpoint.AbsoluteUri,
        AuthenticationRegion = region,
        // Bucket-in-host addresses need DNS names per bucket, which self-hosted servers rarely have.
        ForcePathStyle = true,
        // SDK v4 adds CRC checksums to every request and checks them on answers; servers that predate
        // the feature (Swift's s3api, older MinIO and Ceph) reject such puts or send no checksum.
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        // The endpoint given is the endpoint used, whatever AWS_ENDPOINT_URL or ~/.aws/config say.
        IgnoreConfiguredEndpointUrls = true,
        Timeout = RequestTimeout,
        ConnectTimeout = ConnectTimeout,
        RetryMode = RequestRetryMode.Standard,
        MaxErrorRetry = Retries,
    };

    /// <summary>
    /// The SDK's timestamps as UTC instants (it parses them as UTC, or as local time in some paths).
    /// A server that sent none makes the object look as new as can be, so that nothing collects it by mistake.
    /// </summary>
    public static DateTimeOffset Timestamp(DateTime? value) =>
        value is not { } time ? DateTimeOffset.MaxValue
        : time.Kind == DateTimeKind.Local ? new DateTimeOffset(time.ToUniversalTime())
        : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
