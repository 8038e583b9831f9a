using Wrenn.Agent.Protocol.Link;

namespace Wrenn.Agent.Protocol.Tests.Link;

public sealed class LinkFrameParserTests
{
    private static readonly LinkEpoch Old = new(0x1111);
    private static readonly LinkEpoch Current = new(0x2222);

    [Fact]
    public void Header_RoundTrips_AndRejectsDamage()
    {
        var bytes = new byte[LinkFrameHeader.Size];
        var header = new LinkFrameHeader(LinkFrameKind.Data, Current, 1234);
        header.Write(bytes);
        Assert.True(LinkFrameHeader.TryRead(bytes, out var read));
        Assert.Equal(header, read);

        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x04;
            Assert.False(LinkFrameHeader.TryRead(damaged, out _));
        }
    }

    [Theory]
    [InlineData(LinkFrameKind.Hello, 1)]
    [InlineData(LinkFrameKind.Welcome, 1)]
    [InlineData(LinkFrameKind.Ready, 1)]
    [InlineData(LinkFrameKind.Data, 0)]
    [InlineData(LinkFrameKind.Data, LinkFrameHeader.MaxPayload + 1)]
    [InlineData((LinkFrameKind)9, 0)]
    public void Header_WithAnImpossibleKindOrLength_IsNoHeader(LinkFrameKind kind, int length)
    {
        var bytes = new byte[LinkFrameHeader.Size];
        new LinkFrameHeader(kind, Current, length).Write(bytes);
        Assert.False(LinkFrameHeader.TryRead(bytes, out _));
    }

    [Fact]
    public void Frames_AreFoundTheSame_HoweverTheBytesArrive()
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var stream = Concat(Garbage(37), Frame(LinkFrameKind.Hello, Current), Frame(LinkFrameKind.Data, Current, payload),
            Garbage(3), Frame(LinkFrameKind.Data, Current, payload[..10]));

        var whole = Parse(stream, chunk: stream.Length);
        var byteByByte = Parse(stream, chunk: 1);
        var odd = Parse(stream, chunk: 7);

        Assert.Equal(["Hello 2222", "Data 2222", "Data 2222"], whole.Frames);
        Assert.Equal(whole.Frames, byteByByte.Frames);
        Assert.Equal(whole.Frames, odd.Frames);
        Assert.Equal(Concat(payload, payload[..10]), whole.Payload.ToArray());
        Assert.Equal(whole.Payload, byteByByte.Payload);
        Assert.Equal(40, whole.Parser.SkippedBytes);
        Assert.Equal(40, byteByByte.Parser.SkippedBytes);
    }

    [Fact]
    public void AFrameCutShort_ThenAGapAndAHello_TheHelloIsSeen()
    {
        // A host connection ended in the middle of a frame of the session being served; the next
        // host starts with the sync gap, which absorbs what the reader still expects.
        var full = Frame(LinkFrameKind.Data, Current, new byte[LinkFrameHeader.MaxPayload]);
        var next = new LinkEpoch(0x3333);
        var stream = Concat(full[..(LinkFrameHeader.Size + 10)], new byte[LinkFrameHeader.SyncGap], Frame(LinkFrameKind.Hello, next));

        var result = Parse(stream, chunk: 4096);

        Assert.Equal(["Data 2222", "Hello 3333"], result.Frames);
    }

    [Fact]
    public void AFrameNotTaken_IsSkippedHeaderOnly_SoAFrameRightAfterItIsSeen()
    {
        // An older session's frame, cut short by its connection's end, followed at once by the
        // current session's Welcome: only the header of the unwanted frame is skipped.
        var cut = Frame(LinkFrameKind.Data, Old, new byte[1000])[..(LinkFrameHeader.Size + 100)];
        var stream = Concat(cut, Frame(LinkFrameKind.Welcome, Current), Frame(LinkFrameKind.Data, Current, [1, 2, 3]));

        var result = Parse(stream, chunk: 64, accept: Current);

        Assert.Equal(["Data 1111", "Welcome 2222", "Data 2222"], result.Frames);
        Assert.Equal([1, 2, 3], result.Payload.ToArray());
    }

    [Fact]
    public void AHeaderImitationInsideAnOtherFrame_IsOnlyTakenWhenItIsValid()
    {
        // Bytes that start like a header but are not one are passed over one byte at a time.
        var fake = Frame(LinkFrameKind.Hello, Current);
        fake[^1] ^= 0xFF;
        var stream = Concat(fake, fake[..5], Frame(LinkFrameKind.Hello, Current));

        var result = Parse(stream, chunk: 3);

        Assert.Equal(["Hello 2222"], result.Frames);
        Assert.Equal(fake.Length + 5, result.Parser.SkippedBytes);
    }

    private static (List<string> Frames, List<byte> Payload, LinkFrameParser Parser) Parse(byte[] stream, int chunk, LinkEpoch? accept = null)
    {
        var parser = new LinkFrameParser();
        var sink = new RecordingSink(accept);
        for (var offset = 0; offset < stream.Length; offset += chunk)
        {
            parser.Feed(stream.AsSpan(offset, Math.Min(chunk, stream.Length - offset)), sink);
        }

        return (sink.Frames, sink.Payload, parser);
    }

    private static byte[] Frame(LinkFrameKind kind, LinkEpoch epoch, byte[]? payload = null)
    {
        payload ??= [];
        var frame = new byte[LinkFrameHeader.Size + payload.Length];
        new LinkFrameHeader(kind, epoch, payload.Length).Write(frame);
        payload.CopyTo(frame, LinkFrameHeader.Size);
        return frame;
    }

    private static byte[] Garbage(int length) => Enumerable.Range(0, length).Select(i => (byte)(i % 2 == 0 ? 'W' : 'x')).ToArray();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    private sealed class RecordingSink(LinkEpoch? accept) : ILinkFrameSink
    {
        public List<string> Frames { get; } = [];

        public List<byte> Payload { get; } = [];

        public bool OnFrame(LinkFrameHeader header)
        {
            Frames.Add($"{header.Kind} {header.Epoch.Value:x}");
            return header.Kind == LinkFrameKind.Data && (accept is null || header.Epoch == accept);
        }

        public void OnPayload(ReadOnlySpan<byte> payload) => Payload.AddRange(payload.ToArray());
    }
}
