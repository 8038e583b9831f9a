using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Google.Protobuf;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Tests.Capsules;

namespace Wrenn.HostAgent.Tests.Guest;

/// <summary>
/// The file lane in a real capsule with a network card (docs/file-lane.md): large files travel on
/// it both ways, small ones stay on the link, and a cancelled upload commits nothing.
/// </summary>
public sealed class FileLaneTests(NetworkedCapsule booted) : IClassFixture<NetworkedCapsule>
{
    private GuestAgentClient Agent => booted.Capsule.Agent;

    [Fact]
    public async Task LargeFiles_TakeTheLane_BothWays_AndArriveIntact()
    {
        const long size = 24L * 1024 * 1024 + 123;
        using var lanes = new LaneCount();
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var path = $"/root/{Guid.NewGuid():N}.bin";

        var entry = await FileTransfers.WriteAsync(Agent, path, FileTransfers.Pattern(size, seed: 5, sent), size, Timeout());
        var (readSize, readHash) = await FileTransfers.ReadHashAsync(Agent, path, Timeout());

        Assert.Equal(size, entry.Size);
        Assert.Equal(size, readSize);
        Assert.Equal(Convert.ToHexString(sent.GetHashAndReset()), readHash);
        Assert.Equal(2, lanes.Opened);
        Assert.Equal(0, lanes.Unreachable);
    }

    [Fact]
    public async Task SmallFiles_StayOnTheLink()
    {
        using var lanes = new LaneCount();
        var content = RandomNumberGenerator.GetBytes(100_000);
        var path = $"/tmp/{Guid.NewGuid():N}.bin";

        await FileTransfers.WriteAsync(Agent, path, content, Timeout());

        Assert.Equal(content, await FileTransfers.ReadAsync(Agent, path, Timeout()));
        Assert.Equal(0, lanes.Opened + lanes.Unreachable);
    }

    [Fact]
    public async Task AnUploadCancelledOnTheLane_LeavesTheTargetUnchanged()
    {
        var directory = $"/tmp/{Guid.NewGuid():N}";
        var path = directory + "/kept.txt";
        await FileTransfers.WriteAsync(Agent, path, "original"u8.ToArray(), Timeout());
        using var lanes = new LaneCount();
        using var cancel = new CancellationTokenSource();

        using (var call = Agent.Files.Write(cancellationToken: cancel.Token))
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = -1 } }, cancel.Token);
            foreach (var chunk in FileTransfers.Pattern(4L * 1024 * 1024, seed: 9))
            {
                await call.RequestStream.WriteAsync(new WriteChunk { Data = ByteString.CopyFrom(chunk.Span) }, cancel.Token);
            }

            Assert.Equal(1, lanes.Opened);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
        }

        Assert.Equal("original"u8.ToArray(), await FileTransfers.ReadAsync(Agent, path, Timeout()));
        var left = await WaitForOneEntryAsync(directory);
        Assert.Equal("kept.txt", Assert.Single(left).Name);
    }

    private async Task<IReadOnlyList<FileEntry>> WaitForOneEntryAsync(string directory)
    {
        // The guest removes the temporary file once it has seen the cancellation.
        for (var attempt = 0; ; attempt++)
        {
            var entries = (await Agent.Files.ListAsync(new ListRequest { Path = directory })).Entries;
            if (entries.Count == 1 || attempt == 50)
            {
                return entries;
            }

            await Task.Delay(100);
        }
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;

    /// <summary>File lane connections counted while it lives.</summary>
    private sealed class LaneCount : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _opened;
        private int _unreachable;

        public LaneCount()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == FileLaneMetrics.InstrumentName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "result", Value: "opened" })
                    {
                        Interlocked.Increment(ref _opened);
                    }
                    else if (tag.Key == "result")
                    {
                        Interlocked.Increment(ref _unreachable);
                    }
                }
            });
            _listener.Start();
        }

        public int Opened => Volatile.Read(ref _opened);

        public int Unreachable => Volatile.Read(ref _unreachable);

        public void Dispose() => _listener.Dispose();
    }
}
