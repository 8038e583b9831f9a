using Wrenn.HostAgent.Memory;

using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Tests.Memory;

public sealed class MemoryLayerTests : IDisposable
{
    private const int Pages = 96;
    private readonly MemoryImages _images = new();

    public void Dispose() => _images.Dispose();

    [Fact]
    public void BaseLayer_StoresOnlyNonZeroPages_AndReadsBackEveryByte()
    {
        var image = MemoryImages.Image(Pages, seed: 1);
        var chain = _images.Base(image);

        using var map = chain.Open();
        AssertContents(map, image);
        var stored = new FileInfo(chain.Layers[0].Path).Length;
        Assert.True(stored < image.Length * 3L / 4, $"a layer of {stored} bytes stores zero pages");
    }

    [Fact]
    public void DiffLayer_WhereADirtyPageBecameZero_ReadsZerosAfterRestore()
    {
        var first = MemoryImages.Image(Pages, seed: 1);
        var second = (byte[])first.Clone();
        second.AsSpan(5 * MemoryImages.PageSize, MemoryImages.PageSize).Clear(); // non-zero page cleared by the guest
        new Random(7).NextBytes(second.AsSpan(7 * MemoryImages.PageSize, MemoryImages.PageSize)); // zero page written
        new Random(8).NextBytes(second.AsSpan(9 * MemoryImages.PageSize, MemoryImages.PageSize));

        var chain = _images.Diff(_images.Base(first), second, [5, 7, 9], "gen1");

        Assert.Equal(2, chain.Layers.Count);
        using var map = chain.Open();
        Assert.True(map.IsZero(5));
        AssertContents(map, second);
    }

    [Fact]
    public void Chain_IsMergedIntoOneBase_AfterMaxLayers_AndStaysCorrect()
    {
        var image = MemoryImages.Image(Pages, seed: 1);
        var chain = _images.Base(image);
        var random = new Random(42);
        for (var generation = 1; generation <= MemoryChain.MaxLayers; generation++)
        {
            var dirty = Enumerable.Range(0, 12).Select(_ => random.Next(Pages)).Distinct().ToArray();
            foreach (var page in dirty)
            {
                var target = image.AsSpan(page * MemoryImages.PageSize, MemoryImages.PageSize);
                if (random.Next(3) == 0)
                {
                    target.Clear();
                }
                else
                {
                    random.NextBytes(target);
                }
            }

            chain = _images.Diff(chain, image, dirty, $"gen{generation}");
            Assert.Equal(generation < MemoryChain.MaxLayers ? generation + 1 : 1, chain.Layers.Count);
            using var map = chain.Open();
            AssertContents(map, image);
        }
    }

    [Fact]
    public void DamagedPageData_FailsItsChecksum()
    {
        var image = MemoryImages.Image(Pages, seed: 3);
        var chain = _images.Base(image);
        using (var file = new FileStream(chain.Layers[0].Path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 4096 + 10; // inside the first stored page
            file.WriteByte((byte)(file.ReadByte() ^ 0xFF));
        }

        using var map = chain.Open();
        Assert.False(map.Verify(0));
        Assert.True(map.Verify(2));
    }

    [Fact]
    public void DamagedTable_OrAForeignLayer_DoesNotOpen()
    {
        var image = MemoryImages.Image(Pages, seed: 4);
        var chain = _images.Base(image);
        var other = _images.Base(image, "other");
        var swapped = chain with { Layers = [chain.Layers[0] with { Path = other.Layers[0].Path }] };
        Assert.Throws<SnapshotException>(() => swapped.Open());

        var bytes = File.ReadAllBytes(chain.Layers[0].Path);
        bytes[^3] ^= 0x55; // inside the page table at the end
        File.WriteAllBytes(chain.Layers[0].Path, bytes);
        Assert.Throws<SnapshotException>(() => chain.Open());
    }

    [Fact]
    public void Chain_RoundTripsThroughItsJsonFile()
    {
        var chain = _images.Base(MemoryImages.Image(Pages, seed: 5));
        chain.Save(_images.File("memory.json"));

        var loaded = MemoryChain.Load(_images.File("memory.json"));

        Assert.Equal(chain.MemoryBytes, loaded.MemoryBytes);
        Assert.Equal(chain.Layers, loaded.Layers);
    }

    private static void AssertContents(PageMap map, byte[] image)
    {
        Assert.Equal(image.Length, map.MemoryBytes);
        for (var page = 0; page < map.Pages; page++)
        {
            var expected = image.AsSpan(page * MemoryImages.PageSize, MemoryImages.PageSize);
            if (map.IsZero(page))
            {
                Assert.True(expected.IndexOfAnyExcept((byte)0) < 0, $"page {page} should not be zero");
            }
            else
            {
                Assert.True(map.Verify(page));
                Assert.True(expected.SequenceEqual(map.Data(page)), $"page {page} differs");
            }
        }
    }
}
