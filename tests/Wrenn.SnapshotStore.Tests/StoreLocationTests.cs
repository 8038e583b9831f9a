namespace Wrenn.SnapshotStore.Tests;

public sealed class StoreLocationTests
{
    private static readonly S3Settings Local = new() { Endpoint = "http://127.0.0.1:8080", AccessKey = "wrenn", SecretKey = "s3cr3t-value" };

    [Theory]
    [InlineData("/srv/wrenn/snapshots", "/srv/wrenn/snapshots")]
    [InlineData("/srv/wrenn/../snapshots/", "/srv/snapshots/")]
    [InlineData("file:///mnt/shared/snapshots", "/mnt/shared/snapshots")]
    [InlineData("file:///mnt/a%20b", "/mnt/a b")]
    public void Parse_DirectoryLocation_IsItsAbsolutePath(string value, string path)
    {
        var location = StoreLocation.Parse(value);

        Assert.Equal((StoreKind.Directory, path), (location.Kind, location.DirectoryPath));
        Assert.Equal($"directory {path}", location.Describe());
    }

    [Fact]
    public void Parse_BucketWithSettings_CarriesThemAll()
    {
        var location = StoreLocation.Parse("s3://wrenn-snapshots/cluster-a", Local);

        Assert.Equal(StoreKind.S3, location.Kind);
        Assert.Equal(("wrenn-snapshots", "cluster-a/", "us-east-1"), (location.Bucket, location.Prefix, location.Region));
        Assert.Equal(new Uri("http://127.0.0.1:8080"), location.Endpoint);
        Assert.Equal(("wrenn", "s3cr3t-value"), (location.AccessKey, location.SecretKey));
    }

    [Fact]
    public void Parse_BucketAlone_UsesAwsAndTheEnvironmentsCredentials()
    {
        var location = StoreLocation.Parse("s3://wrenn-snapshots", new S3Settings { Region = "eu-west-3", Prefix = "/a/b/" });

        Assert.Equal(("a/b/", "eu-west-3", null, null, null), (location.Prefix, location.Region, location.Endpoint, location.AccessKey, location.SecretKey));
        Assert.Equal("s3://wrenn-snapshots/a/b/ (eu-west-3, credentials from the environment)", location.Describe());
    }

    [Fact]
    public void DescribeAndToString_StaticCredentials_NeverShowTheSecret()
    {
        var location = StoreLocation.Parse("s3://wrenn-snapshots", Local);

        Assert.Equal("s3://wrenn-snapshots/ at http://127.0.0.1:8080/ (us-east-1, access key wrenn)", location.Describe());
        Assert.Equal(location.Describe(), location.ToString());
        Assert.DoesNotContain("s3cr3t", location.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("file://server/share")]
    [InlineData("file://localhost/share")]
    [InlineData("file:relative")]
    [InlineData("https://bucket.example.com")]
    [InlineData("s3://")]
    [InlineData("s3://ab")]
    [InlineData("s3://Upper-Case")]
    [InlineData("s3://-dash-first")]
    [InlineData("s3://bucket/../escape")]
    public void Parse_MalformedLocation_ThrowsFormatException(string value) =>
        Assert.Throws<FormatException>(() => StoreLocation.Parse(value));

    [Theory]
    [InlineData("ftp://127.0.0.1", null, null, null, null)]
    [InlineData("127.0.0.1:8080", null, null, null, null)]
    [InlineData(null, "US EAST", null, null, null)]
    [InlineData(null, null, "only-the-key", null, null)]
    [InlineData(null, null, null, "only-the-secret", null)]
    [InlineData(null, null, null, null, "other-prefix")]
    public void Parse_MalformedS3Setting_ThrowsFormatException(string? endpoint, string? region, string? accessKey, string? secretKey, string? prefix)
    {
        var settings = new S3Settings { Endpoint = endpoint, Region = region, AccessKey = accessKey, SecretKey = secretKey, Prefix = prefix };

        Assert.Throws<FormatException>(() => StoreLocation.Parse("s3://wrenn-snapshots/prefix", settings));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Parse_Empty_ThrowsArgumentException(string value) =>
        Assert.Throws<ArgumentException>(() => StoreLocation.Parse(value));

    [Fact]
    public void Parse_S3SettingsForADirectory_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => StoreLocation.Parse("/srv/snapshots", new S3Settings { Region = "eu-west-3" }));

    [Fact]
    public void Open_DirectoryLocation_IsADirectoryStore() =>
        Assert.IsType<DirectoryObjectStore>(ObjectStores.Open(StoreLocation.Parse("/srv/snapshots")));
}
