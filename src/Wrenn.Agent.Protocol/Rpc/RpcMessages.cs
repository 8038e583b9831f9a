using Google.Protobuf;
using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>Messages to and from frame payloads, through the method's marshaller.</summary>
internal static class RpcMessages
{
    /// <summary>A Message frame of <paramref name="message"/>.</summary>
    public static RpcFrames Frame<T>(uint stream, T message, Marshaller<T> marshaller) =>
        Add(new RpcFrames(message is IMessage protobuf ? RpcFrameHeader.Size + protobuf.CalculateSize() : 256), stream, message, marshaller);

    /// <summary>Appends a Message frame of <paramref name="message"/>; protobuf messages are written straight into the frame.</summary>
    public static RpcFrames Add<T>(RpcFrames frames, uint stream, T message, Marshaller<T> marshaller) =>
        message is IMessage protobuf
            ? frames.Add(RpcFrameKind.Message, stream, protobuf)
            : frames.Add(RpcFrameKind.Message, stream, Serialize(message, marshaller));

    /// <summary>The message bytes of a batch holding one Message frame.</summary>
    public static int SizeOf(RpcFrames frames) => frames.Written.Length - RpcFrameHeader.Size;

    public static T Read<T>(byte[] payload, Marshaller<T> marshaller) => marshaller.ContextualDeserializer(new Received(payload));

    public static Metadata ToMetadata(IDictionary<string, string> entries)
    {
        var metadata = new Metadata();
        foreach (var (key, value) in entries)
        {
            // Binary entries (keys ending "-bin") are not part of this protocol.
            if (!key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
            {
                metadata.Add(key, value);
            }
        }

        return metadata;
    }

    public static void CopyTo(Metadata? metadata, IDictionary<string, string> entries)
    {
        foreach (var entry in metadata ?? [])
        {
            if (!entry.IsBinary)
            {
                entries[entry.Key] = entry.Value;
            }
        }
    }

    private static ReadOnlySpan<byte> Serialize<T>(T message, Marshaller<T> marshaller)
    {
        var context = new Serialized();
        marshaller.ContextualSerializer(message, context);
        return context.Payload;
    }

    /// <summary>A received payload as a marshaller reads it (generated marshallers only read through a context).</summary>
    private sealed class Received(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload;

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }

    /// <summary>Where a marshaller writes a message that is not protobuf (the relay's raw bytes).</summary>
    private sealed class Serialized : SerializationContext
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _writer = new();
        private byte[]? _whole;

        public ReadOnlySpan<byte> Payload => _whole ?? _writer.WrittenSpan;

        public override void Complete(byte[] payload) => _whole = payload;

        public override System.Buffers.IBufferWriter<byte> GetBufferWriter() => _writer;

        public override void SetPayloadLength(int payloadLength)
        {
        }

        public override void Complete()
        {
        }
    }
}
