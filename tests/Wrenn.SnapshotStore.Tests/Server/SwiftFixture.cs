namespace Wrenn.SnapshotStore.Tests.Server;

/// <summary>One Swift cluster and one bucket for a test class (a cluster takes seconds to start, a bucket nothing).</summary>
public sealed class SwiftFixture : IAsyncLifetime
{
    public const string Bucket = "wrenn-tests";

    private SwiftServer? _server;

    public SwiftServer Server => _server ?? throw new InvalidOperationException("The Swift server did not start.");

    public async Task InitializeAsync()
    {
        _server = await SwiftServer.StartAsync(CancellationToken.None);
        await _server.CreateBucketAsync(Bucket, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A store on the fixture's bucket under a prefix of its own, so tests never see each other's objects.</summary>
    public S3ObjectStore Store(string? secretKey = null, string? bucket = null) =>
        new(Server.Endpoint, Server.Region, bucket ?? Bucket, "test-" + Guid.NewGuid().ToString("N"), Server.AccessKey, secretKey ?? Server.SecretKey);
}
