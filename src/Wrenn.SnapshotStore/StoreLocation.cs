namespace Wrenn.SnapshotStore;

/// <summary>
/// Where the snapshot store is, from the operator's <c>snapshot_store</c> setting: an absolute path
/// or <c>file:///path</c> (a directory), or <c>s3://bucket[/prefix]</c> with <see cref="S3Settings"/>.
/// Only <see cref="Parse"/> makes one, so every instance is valid. <see cref="ToString"/> is
/// <see cref="Describe"/>: a location may be logged, its secret key never is.
/// </summary>
public sealed record StoreLocation
{
    public const string DefaultRegion = "us-east-1";

    private StoreLocation()
    {
    }

    public StoreKind Kind { get; private init; }

    /// <summary>The store's root directory (absolute) when <see cref="Kind"/> is <see cref="StoreKind.Directory"/>.</summary>
    public string? DirectoryPath { get; private init; }

    public string? Bucket { get; private init; }

    /// <summary>Prepended to every key in the bucket: empty, or ending with '/'.</summary>
    public string Prefix { get; private init; } = "";

    /// <summary>The S3 service; null for AWS itself.</summary>
    public Uri? Endpoint { get; private init; }

    public string Region { get; private init; } = DefaultRegion;

    /// <summary>Static credentials; both null to let the AWS SDK find them.</summary>
    public string? AccessKey { get; private init; }

    public string? SecretKey { get; private init; }

    /// <summary>
    /// Reads <paramref name="value"/> (the <c>snapshot_store</c> setting) and, for S3, <paramref name="s3"/>.
    /// Throws <see cref="FormatException"/> for a malformed value and <see cref="ArgumentException"/> for
    /// an empty one or S3 settings given to a directory.
    /// </summary>
    public static StoreLocation Parse(string value, S3Settings? s3 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        s3 ??= new S3Settings();
        value = value.Trim();
        if (value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseBucket(value["s3://".Length..], s3);
        }

        if (!s3.IsEmpty)
        {
            throw new ArgumentException("endpoint, region, access key, secret key and prefix apply only to an s3:// snapshot_store", nameof(s3));
        }

        return ParseDirectory(value);
    }

    /// <summary>The location for logs and errors, without the secret key.</summary>
    public string Describe() => Kind switch
    {
        StoreKind.Directory => $"directory {DirectoryPath}",
        _ => $"s3://{Bucket}/{Prefix}{(Endpoint is null ? "" : $" at {Endpoint}")} ({Region}, "
            + (AccessKey is null ? "credentials from the environment)" : $"access key {AccessKey})"),
    };

    public override string ToString() => Describe();

    private static StoreLocation ForDirectory(string path) => new() { Kind = StoreKind.Directory, DirectoryPath = Path.GetFullPath(path) };

    private static StoreLocation ParseDirectory(string value)
    {
        if (value.StartsWith('/'))
        {
            return ForDirectory(value);
        }

        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsFile && uri.Host.Length == 0 && uri.LocalPath.StartsWith('/'))
            {
                return ForDirectory(uri.LocalPath);
            }

            throw new FormatException("a file snapshot_store is file:///absolute/path (no host)");
        }

        throw new FormatException("snapshot_store is an absolute path, file:///path or s3://bucket[/prefix]");
    }

    /// <summary>A bucket location from <paramref name="rest"/> (<c>bucket[/prefix]</c>, after <c>s3://</c>) and the S3 settings.</summary>
    private static StoreLocation ParseBucket(string rest, S3Settings s3)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
            || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            throw new FormatException("the bucket of an s3:// snapshot_store is 3 to 63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit");
        }

        var (accessKey, secretKey) = (NullIfEmpty(s3.AccessKey), NullIfEmpty(s3.SecretKey));
        if (accessKey is null != secretKey is null)
        {
            throw new FormatException("an S3 snapshot store needs both an access key and a secret key, or neither");
        }

        return new StoreLocation
        {
            Kind = StoreKind.S3, Bucket = bucket, Prefix = BucketPrefix(slash < 0 ? "" : rest[(slash + 1)..], s3.Prefix),
            Endpoint = ServiceEndpoint(s3.Endpoint), Region = ServiceRegion(s3.Region), AccessKey = accessKey, SecretKey = secretKey,
        };
    }

    /// <summary>The prefix from the URL or the prefix setting (either, or both when equal), as "" or "a/b/".</summary>
    private static string BucketPrefix(string fromUrl, string? fromSetting)
    {
        var (url, setting) = (fromUrl.Trim('/'), fromSetting?.Trim('/') ?? "");
        if (url.Length > 0 && setting.Length > 0 && url != setting)
        {
            throw new FormatException("the prefix in the s3:// snapshot_store and the prefix setting differ; give one");
        }

        var prefix = url.Length > 0 ? url : setting;
        if (prefix.Length > 0 && !ObjectKey.IsValid(prefix))
        {
            throw new FormatException("an S3 key prefix is a path of a-z, 0-9, '.', '_', '-' and '/'");
        }

        return prefix.Length == 0 ? "" : prefix + "/";
    }

    private static Uri? ServiceEndpoint(string? endpoint)
    {
        if (NullIfEmpty(endpoint) is not { } value)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new FormatException("an S3 endpoint is an http:// or https:// URL, e.g. http://127.0.0.1:8080");
        }

        return uri;
    }

    private static string ServiceRegion(string? region)
    {
        if (NullIfEmpty(region) is not { } value)
        {
            return DefaultRegion;
        }

        if (!value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new FormatException("an S3 region is made of a-z, 0-9 and '-', e.g. us-east-1");
        }

        return value;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
