using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Wrenn.SnapshotStore;

/// <summary>
/// An <see cref="IObjectStore"/> in one bucket of an S3-compatible service (AWS S3, MinIO, Ceph,
/// OpenStack Swift's s3api), under an optional key prefix so several installations can share a
/// bucket. Only the plain S3 core is used — single-part puts, path-style addresses, ListObjectsV2,
/// copy onto itself — because that is what every compatible server implements; a host must learn
/// in seconds that the store is gone, so requests have short timeouts and few retries.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private const int ListPageSizeLimit = 1000;

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _keyPrefix;
    private readonly S3Failures _failures;

    /// <param name="endpoint">The service's base URL; plain HTTP only for a loopback address (a test server), since requests carry the data and signatures in the clear.</param>
    /// <param name="region">The region the signatures are scoped to (<c>us-east-1</c> for most self-hosted servers).</param>
    /// <param name="bucket">An existing bucket; the store never creates one.</param>
    /// <param name="prefix">Prepended with a '/' to every key; empty for none.</param>
    /// <param name="accessKey">The access key id.</param>
    /// <param name="secretKey">The secret; it only signs requests and appears in no message.</param>
    public S3ObjectStore(Uri endpoint, string region, string bucket, string prefix, string accessKey, string secretKey)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        if (!endpoint.IsAbsoluteUri || endpoint.UserInfo.Length > 0
            || (endpoint.Scheme != Uri.UriSchemeHttps && !(endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            // No user info either: credentials belong in the key pair, not in a URL that ends up in messages.
            throw new ArgumentException("The S3 endpoint must be an https:// URL without user info (http:// only on a loopback address).", nameof(endpoint));
        }

        _bucket = bucket;
        _keyPrefix = prefix.Trim('/') is { Length: > 0 } trimmed ? trimmed + "/" : "";
        _failures = new S3Failures($"{endpoint.Scheme}://{endpoint.Authority}/{bucket}");
        _client = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), S3ClientSettings.For(endpoint, region));
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _keyPrefix + key,
            InputStream = body,
            ContentType = S3ClientSettings.ContentType,
            // aws-chunked uploads (the SDK's default) are newer than many compatible servers, Swift's s3api among them.
            UseChunkEncoding = false,
        };
        await _failures.RunAsync("put", () => _client.PutObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        return await _failures.RunOrNullAsync("get", async () =>
        {
            using var response = await _client.GetObjectAsync(_bucket, _keyPrefix + key, cancellationToken).ConfigureAwait(false);
            using var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
            return content.ToArray();
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        return await _failures.RunOrNullAsync("stat", async () =>
        {
            var response = await _client.GetObjectMetadataAsync(_bucket, _keyPrefix + key, cancellationToken).ConfigureAwait(false);
            return new StoredObject(key, response.ContentLength, S3ClientSettings.Timestamp(response.LastModified));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// S3 has no "touch": copying the object onto itself with new metadata (REPLACE) writes it anew,
    /// server-side, which is what moves its last-modified time.
    /// </remarks>
    public async Task TouchAsync(string key, CancellationToken cancellationToken)
    {
        var request = new CopyObjectRequest
        {
            SourceBucket = _bucket,
            SourceKey = _keyPrefix + key,
            DestinationBucket = _bucket,
            DestinationKey = _keyPrefix + key,
            MetadataDirective = S3MetadataDirective.REPLACE,
            ContentType = S3ClientSettings.ContentType,
        };
        await _failures.RunAsync("touch", () => _client.CopyObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) =>
        ListAsync(prefix, ListPageSizeLimit, cancellationToken);

    /// <summary>As <see cref="ListAsync(string, CancellationToken)"/>, asking for at most <paramref name="pageSize"/> keys per request.</summary>
    internal async IAsyncEnumerable<StoredObject> ListAsync(string prefix, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _keyPrefix + prefix, MaxKeys = Math.Min(pageSize, ListPageSizeLimit) };
        while (true)
        {
            var page = await _failures.RunAsync("list", () => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new StoredObject(item.Key[_keyPrefix.Length..], item.Size ?? 0, S3ClientSettings.Timestamp(item.LastModified));
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <remarks>S3 answers a delete of a missing key with success, as the interface wants.</remarks>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await _failures.RunAsync("delete", () => _client.DeleteObjectAsync(_bucket, _keyPrefix + key, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client.Dispose();
}
