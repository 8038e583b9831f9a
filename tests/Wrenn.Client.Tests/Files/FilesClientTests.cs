using System.Security.Cryptography;
using System.Text;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Files;

[Collection("server")]
public sealed class FilesClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task Files_AreWritten_Read_Listed_AndRemoved_WithTypedFailures()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            await Wrenn.Files.WriteAsync(capsule.Id, "/work/notes/a.txt", "first\n"u8.ToArray());
            Assert.Equal("first\n"u8.ToArray(), await Wrenn.Files.ReadAsync(capsule.Id, "/work/notes/a.txt"));
            using (var content = new MemoryStream("second\n"u8.ToArray()))
            {
                // Relative paths are taken from the user's home.
                await Wrenn.Files.WriteAsync(capsule.Id, "b.txt", content);
            }

            Assert.Equal("second\n"u8.ToArray(), await Wrenn.Files.ReadAsync(capsule.Id, "/root/b.txt"));

            var directory = await Wrenn.Files.MakeDirectoryAsync(capsule.Id, "/work/empty");
            Assert.Equal(("empty", "/work/empty", FileType.Directory, "drwxr-xr-x", 0b111_101_101), (directory.Name, directory.Path, directory.Type, directory.Permissions, directory.Mode));
            var conflict = await Assert.ThrowsAsync<ConflictException>(() => Wrenn.Files.MakeDirectoryAsync(capsule.Id, "/work/notes"));
            Assert.Equal(WrennErrorCode.Conflict, conflict.Code);

            await Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("ln", "-s", "/work/notes/a.txt", "/work/link"));
            var entries = await Wrenn.Files.ListAsync(capsule.Id, "/work", depth: 2);
            Assert.Equal(["/work/empty", "/work/link", "/work/notes", "/work/notes/a.txt"], entries.Select(entry => entry.Path));
            var file = entries[3];
            Assert.Equal((FileType.File, 6L, "root", "root", null), (file.Type, file.Size, file.Owner, file.Group, file.SymlinkTarget));
            Assert.InRange(file.ModifiedAt, capsule.CreatedAt.AddMinutes(-5), capsule.CreatedAt.AddHours(1));
            Assert.Equal((FileType.Symlink, "/work/notes/a.txt"), (entries[1].Type, entries[1].SymlinkTarget));
            Assert.Single(await Wrenn.Files.ListAsync(capsule.Id, "/work/notes"));

            await Wrenn.Files.RemoveAsync(capsule.Id, "/work/notes");
            var missing = await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Files.ReadAsync(capsule.Id, "/work/notes/a.txt"));
            Assert.Equal(WrennErrorCode.NotFound, missing.Code);
            await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Files.RemoveAsync(capsule.Id, "/work/notes"));
            await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Files.ListAsync(capsule.Id, "/no/such/directory"));
            await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Files.OpenReadAsync(capsule.Id, "/work/notes/a.txt"));
            await Assert.ThrowsAsync<InvalidRequestException>(() => Wrenn.Files.ReadAsync(capsule.Id, "/work"));
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    [Fact]
    public async Task ALargeFile_IsUploadedAndDownloadedStreamed_ByteForByte_WithProgress()
    {
        var data = RandomNumberGenerator.GetBytes((6 * 1024 * 1024) + 12345);
        var capsule = await server.CreateRunningAsync();
        try
        {
            // A source that cannot seek: the upload goes chunked, as from a pipe.
            var sent = new ProgressLog();
            await Wrenn.Files.UploadAsync(capsule.Id, "/data/big.bin", new ForwardOnlyStream(data), sent);
            sent.AssertCounted(data.Length);
            var digest = await Wrenn.Commands.RunAsync(capsule.Id, new ExecRequest("sha256sum", "/data/big.bin"));
            Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)) + " ", digest.Stdout, StringComparison.Ordinal);

            var received = new ProgressLog();
            using var copy = new MemoryStream();
            Assert.Equal(data.Length, await Wrenn.Files.DownloadAsync(capsule.Id, "/data/big.bin", copy, received));
            Assert.True(data.AsSpan().SequenceEqual(copy.GetBuffer().AsSpan(0, (int)copy.Length)), "the download differs from the upload");
            received.AssertCounted(data.Length);

            // A stream read may stop early: disposing it releases the transfer.
            await using (var stream = await Wrenn.Files.OpenReadAsync(capsule.Id, "/data/big.bin"))
            {
                var head = new byte[4096];
                await stream.ReadExactlyAsync(head);
                Assert.True(data.AsSpan(0, head.Length).SequenceEqual(head));
            }

            Assert.Equal(Encoding.UTF8.GetBytes("still usable\n"), await UploadAndReadAsync(capsule.Id, "still usable\n"));
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    private async Task<byte[]> UploadAndReadAsync(CapsuleId capsule, string text)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await Wrenn.Files.UploadAsync(capsule, "small.txt", content);
        return await Wrenn.Files.ReadAsync(capsule, "small.txt");
    }

    /// <summary>Progress reports kept as they come (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class ProgressLog : IProgress<long>
    {
        private readonly List<long> _reports = [];

        public void Report(long value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }
        }

        public void AssertCounted(long total)
        {
            Assert.True(_reports.Count > 10, $"only {_reports.Count} progress reports");
            Assert.True(_reports.Zip(_reports.Skip(1)).All(pair => pair.First < pair.Second), "progress went backwards");
            Assert.Equal(total, _reports[^1]);
        }
    }

    /// <summary>A read-only stream over bytes that does not seek nor tell its length.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = Math.Min(count, data.Length - _position);
            data.AsSpan(_position, read).CopyTo(buffer.AsSpan(offset));
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
