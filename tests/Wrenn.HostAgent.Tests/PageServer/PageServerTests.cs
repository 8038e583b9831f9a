using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.HostAgent.Memory;
using Wrenn.HostAgent.PageServer;
using Wrenn.HostAgent.Tests.Memory;

namespace Wrenn.HostAgent.Tests.PageServer;

/// <summary>The page server against a real userfaultfd, driven the way Firecracker drives it.</summary>
public sealed class PageServerTests : IAsyncLifetime, IAsyncDisposable
{
    private const int Pages = 2048; // 8 MiB
    private readonly MemoryImages _images = new();
    private readonly HostAgent.PageServer.PageServer _server = new(NullLoggerFactory.Instance);

    // xunit 2 runs IAsyncLifetime, not IAsyncDisposable; the latter tells analyzers who owns what.
    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _images.Dispose();
    }

    [Fact]
    public async Task FaultsFromFourThreads_ReadEveryByteOfALayeredSnapshot()
    {
        var (chain, image) = LayeredSnapshot();
        await using var session = Start(chain, new PageServerOptions(PrefetchAll: false));
        using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);
        await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));

        var mismatches = 0;
        var threads = Enumerable.Range(0, 4).Select(worker => new Thread(() =>
        {
            // Each thread walks all pages from its own starting point, so threads fault the same pages concurrently.
            for (var i = 0; i < Pages; i++)
            {
                var page = (i * 7 + worker * (Pages / 4)) % Pages;
                if (!guest.Page(page).AsSpan().SequenceEqual(image.AsSpan(page * 4096, 4096)))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        Assert.Equal(0, mismatches);
        Assert.InRange(session.Stats.Faults, 1, Pages * 4);
        Assert.Equal(Pages, session.Stats.CopiedPages + session.Stats.ZeroPages);
        Assert.False(session.Completion.IsFaulted);
    }

    [Fact]
    public async Task FaultedPages_AreRecordedInFirstTouchOrder_AndPrefetchedFirstNextTime()
    {
        var image = MemoryImages.Image(Pages, seed: 11);
        var chain = _images.Base(image);
        uint[] touched = [900, 3, 1500, 42];
        await using (var session = Start(chain, new PageServerOptions(PrefetchAll: false)))
        {
            using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);
            await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));
            foreach (var page in touched)
            {
                _ = guest.Page(page)[0];
            }

            Assert.Equal(touched, session.FaultedPages);
            WorkingSet.Save(_images.File("working-set"), session.FaultedPages);
        }

        var recorded = WorkingSet.Load(_images.File("working-set"));
        await using var next = Start(chain, new PageServerOptions(PrefetchAll: false), recorded);
        using var nextGuest = await UffdGuest.ConnectAsync(next.SocketPath, image.Length);
        await next.Connected.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => next.Stats.PrefetchedPages == touched.Length);
        foreach (var page in touched)
        {
            Assert.True(nextGuest.Page(page).AsSpan().SequenceEqual(image.AsSpan((int)page * 4096, 4096)));
        }

        Assert.Equal(0, next.Stats.Faults);
    }

    [Fact]
    public async Task PrefetchAll_LoadsEveryPage_SoTheGuestNoLongerFaults()
    {
        var (chain, image) = LayeredSnapshot();
        await using var session = Start(chain, new PageServerOptions());
        using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);
        await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => session.FullyLoaded);

        Assert.Equal(image, guest.Read(0, image.Length));
        Assert.Equal(0, session.Stats.Faults);
    }

    [Fact]
    public async Task DiscardedMemory_ReadsAsZeros_AndTheServerKeepsServing()
    {
        var image = MemoryImages.Image(Pages, seed: 12);
        await using var session = Start(_images.Base(image), new PageServerOptions(PrefetchAll: false));
        using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);
        await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(guest.Page(10).AsSpan().SequenceEqual(image.AsSpan(10 * 4096, 4096)));

        guest.Memory.Discard(8 * 4096, 4 * 4096); // a balloon returning pages 8-11: a remove event

        Assert.True(guest.Page(10).AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.True(guest.Page(12).AsSpan().SequenceEqual(image.AsSpan(12 * 4096, 4096)));
        Assert.Equal(4, session.Stats.RemovedPages);
        Assert.False(session.Completion.IsCompleted);
    }

    [Fact]
    public async Task UnmappedGuestMemory_EndsNothingButItsOwnRegion()
    {
        var image = MemoryImages.Image(Pages, seed: 13);
        await using var session = Start(_images.Base(image), new PageServerOptions(PrefetchAll: false));
        var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);
        await session.Connected.WaitAsync(TimeSpan.FromSeconds(10));
        _ = guest.Page(1)[0];

        guest.Dispose(); // munmap of registered memory: an unmap event the server must read

        await WaitUntil(() => session.Stats.Events >= 1);
        Assert.False(session.Completion.IsFaulted);
    }

    [Fact]
    public async Task DamagedPage_FailsTheSession_InsteadOfServingWrongBytes()
    {
        var image = MemoryImages.Image(Pages, seed: 14);
        var chain = _images.Base(image);
        using (var file = new FileStream(chain.Layers[0].Path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 4096 * 5;
            file.WriteByte(0xA5);
        }

        await using var session = Start(chain, new PageServerOptions());
        using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length);

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => session.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("checksum", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegionsOutsideTheSnapshot_AreRefused()
    {
        var image = MemoryImages.Image(Pages, seed: 15);
        await using var session = Start(_images.Base(image), new PageServerOptions());
        var handshake = $"[{new GuestRegion(0x7f0000000000, (ulong)image.Length * 2, 0, 4096, null).ToJson()}]";
        using var guest = await UffdGuest.ConnectAsync(session.SocketPath, image.Length, handshake);

        await Assert.ThrowsAsync<InvalidDataException>(() => session.Connected.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A base and two diff layers, with pages rewritten, cleared and written from zero.</summary>
    private (MemoryChain Chain, byte[] Image) LayeredSnapshot()
    {
        var image = MemoryImages.Image(Pages, seed: 10);
        var chain = _images.Base(image);
        var random = new Random(99);
        for (var generation = 1; generation <= 2; generation++)
        {
            var dirty = Enumerable.Range(0, 200).Select(_ => random.Next(Pages)).Distinct().ToArray();
            foreach (var page in dirty)
            {
                var target = image.AsSpan(page * 4096, 4096);
                if (page % 2 == 0)
                {
                    target.Clear();
                }
                else
                {
                    random.NextBytes(target);
                }
            }

            chain = _images.Diff(chain, image, dirty, $"gen{generation}");
        }

        return (chain, image);
    }

    private PageServerSession Start(MemoryChain chain, PageServerOptions options, IReadOnlyList<uint>? workingSet = null) =>
        _server.Start(_images.File($"uffd-{Guid.NewGuid():N}.sock"), chain, workingSet ?? [], options);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + TimeProvider.System.TimestampFrequency * 30;
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "condition not met within 30 s");
            await Task.Delay(10);
        }
    }
}
