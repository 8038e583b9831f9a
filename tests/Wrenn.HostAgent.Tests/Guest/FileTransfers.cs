using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Guest;

namespace Wrenn.HostAgent.Tests.Guest;

/// <summary>Streams files to and from a guest the way the API's file routes will.</summary>
internal static class FileTransfers
{
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Writes <paramref name="chunks"/> to <paramref name="path"/>; returns the entry.</summary>
    public static async Task<FileEntry> WriteAsync(GuestAgentClient agent, string path, IEnumerable<ReadOnlyMemory<byte>> chunks, long expectedSize, CancellationToken cancellationToken)
    {
        using var call = agent.Files.Write(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = path, ExpectedSize = expectedSize } }, cancellationToken);
        foreach (var chunk in chunks)
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Data = UnsafeByteOperations.UnsafeWrap(chunk) }, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    public static Task<FileEntry> WriteAsync(GuestAgentClient agent, string path, byte[] content, CancellationToken cancellationToken) =>
        WriteAsync(agent, path, Chunk(content), content.Length, cancellationToken);

    /// <summary>Reads <paramref name="path"/> whole, hashing it on the way; returns (size, sha256).</summary>
    public static async Task<(long Size, string Sha256)> ReadHashAsync(GuestAgentClient agent, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        using var call = agent.Files.Read(new ReadRequest { Path = path }, cancellationToken: cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            hash.AppendData(chunk.Data.Span);
            size += chunk.Data.Length;
        }

        return (size, Convert.ToHexString(hash.GetHashAndReset()));
    }

    public static async Task<byte[]> ReadAsync(GuestAgentClient agent, string path, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream();
        using var call = agent.Files.Read(new ReadRequest { Path = path }, cancellationToken: cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            chunk.Data.WriteTo(content);
        }

        return content.ToArray();
    }

    /// <summary>Deterministic pseudo-random data, generated chunk by chunk (never all in memory).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Pattern(long totalBytes, int seed, IncrementalHash? hash = null)
    {
        var random = new Random(seed);
        var buffer = new byte[ChunkBytes];
        for (long written = 0; written < totalBytes; written += ChunkBytes)
        {
            var length = (int)Math.Min(ChunkBytes, totalBytes - written);
            random.NextBytes(buffer.AsSpan(0, length));
            hash?.AppendData(buffer, 0, length);
            yield return buffer.AsMemory(0, length);
        }
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Chunk(byte[] content)
    {
        for (var offset = 0; offset < content.Length; offset += ChunkBytes)
        {
            yield return content.AsMemory(offset, Math.Min(ChunkBytes, content.Length - offset));
        }
    }
}
