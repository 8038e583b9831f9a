using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Lane;
using Wrenn.GuestAgent.Accounts;
using Wrenn.Linux.Io;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// The Files gRPC service: stat, list, mkdir, remove, and streamed read and atomic write, whose
/// bytes can take the file lane when <paramref name="lane"/> is open (docs/file-lane.md).
/// </summary>
internal sealed class FilesService(FileEntries entries, GuestPaths paths, LaneTickets? lane) : Agent.Protocol.Files.FilesBase
{
    private const int ChunkBytes = 64 * 1024;
    private const int MaxDepth = 10;

    public override Task<FileEntry> Stat(PathRequest request, ServerCallContext context) =>
        Task.FromResult(FileErrors.Translate(() => entries.Describe(paths.Resolve(request.Path, request.User))));

    public override Task<ListReply> List(ListRequest request, ServerCallContext context)
    {
        var depth = request.Depth == 0 ? 1 : (int)request.Depth;
        if (depth > MaxDepth)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "depth must be 1..10");
        }

        var root = paths.Resolve(request.Path, request.User);
        return Task.FromResult(FileErrors.Translate(() =>
        {
            var top = entries.Describe(root);
            if (top.Type != FileType.Directory)
            {
                throw AgentErrors.Exception(AgentErrorCode.NotADirectory, "not a directory");
            }

            var reply = new ListReply();
            Walk(new DirectoryInfo(root), depth, request.MaxEntries, reply);
            return reply;
        }));
    }

    public override Task<FileEntry> MakeDir(PathRequest request, ServerCallContext context)
    {
        var owner = paths.OwnerOf(request.User);
        var path = GuestPaths.ResolveFor(request.Path, owner);
        return Task.FromResult(FileErrors.Translate(() =>
        {
            if (Path.Exists(path) || new FileInfo(path).LinkTarget is not null)
            {
                throw AgentErrors.Exception(AgentErrorCode.Conflict, "path exists");
            }

            GuestPaths.CreateDirectory(path, owner);
            return entries.Describe(path);
        }));
    }

    public override Task<FileEntry> Move(MoveRequest request, ServerCallContext context)
    {
        var owner = paths.OwnerOf(request.User);
        var source = GuestPaths.ResolveFor(request.Source, owner);
        var destination = GuestPaths.ResolveFor(request.Destination, owner);
        if (source == "/" || destination == "/")
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "refusing to move /");
        }

        return Task.FromResult(FileErrors.Translate(() =>
        {
            var entry = entries.Describe(source);
            GuestPaths.CreateDirectory(Path.GetDirectoryName(destination) ?? "/", owner);
            if (entry.Type == FileType.Directory)
            {
                Directory.Move(source, destination);
            }
            else
            {
                File.Move(source, destination, overwrite: true);
            }

            return entries.Describe(destination);
        }));
    }

    public override Task Watch(WatchRequest request, IServerStreamWriter<WatchEvent> responseStream, ServerCallContext context) =>
        DirectoryWatch.RunAsync(paths.Resolve(request.Path, request.User), request.Recursive, request.IncludeEntry ? entries : null, responseStream, context.CancellationToken);

    public override Task<RemoveReply> Remove(PathRequest request, ServerCallContext context)
    {
        var path = paths.Resolve(request.Path, request.User);
        if (path == "/")
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "refusing to remove /");
        }

        return Task.FromResult(FileErrors.Translate(() =>
        {
            var entry = entries.Describe(path);
            if (entry.Type == FileType.Directory)
            {
                // Directory.Delete does not follow symlinks inside the tree: it removes the links.
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }

            return new RemoveReply();
        }));
    }

    public override async Task Read(ReadRequest request, IServerStreamWriter<ReadChunk> responseStream, ServerCallContext context)
    {
        var path = paths.Resolve(request.Path, request.User);
        var stream = FileErrors.Translate(() =>
        {
            if (Directory.Exists(path))
            {
                throw AgentErrors.Exception(AgentErrorCode.IsADirectory, "is a directory");
            }

            return new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Options = FileOptions.SequentialScan, BufferSize = 0 });
        });
        await using (stream.ConfigureAwait(false))
        {
            var size = stream.CanSeek ? stream.Length : -1;
            if (request.MaxBytes > 0 && size > request.MaxBytes)
            {
                throw AgentErrors.Exception(AgentErrorCode.TooLarge, "file is larger than max_bytes");
            }

            if (lane is not null && request.LaneTicket.Length == FileLane.TicketBytes && size >= FileLane.MinimumBytes)
            {
                await SendOnLaneAsync(stream, size, lane, request.LaneTicket, responseStream, context.CancellationToken).ConfigureAwait(false);
                return;
            }

            // A size the file reports is what is sent, to the byte: it may not grow meanwhile.
            var left = size > 0 ? size : long.MaxValue;
            long sent = 0;
            var first = true;
            while (true)
            {
                // A fresh buffer per chunk, wrapped rather than copied into the message: every copy
                // costs in an emulated guest.
                var buffer = new byte[(int)Math.Min(ChunkBytes, left)];
                var count = await stream.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false);
                if (count == 0 && !first)
                {
                    return;
                }

                sent += count;
                left -= count;
                if (request.MaxBytes > 0 && sent > request.MaxBytes)
                {
                    throw AgentErrors.Exception(AgentErrorCode.TooLarge, "file is larger than max_bytes");
                }

                var chunk = new ReadChunk { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, count)) };
                if (first)
                {
                    // Size 0 with content is procfs or sysfs: the length is unknown until read.
                    chunk.Size = size == 0 && count > 0 ? -1 : size;
                    first = false;
                }

                await responseStream.WriteAsync(chunk, context.CancellationToken).ConfigureAwait(false);
                if (count == 0 || left == 0)
                {
                    return;
                }
            }
        }
    }

    public override async Task<FileEntry> Write(IAsyncStreamReader<WriteChunk> requestStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation).ConfigureAwait(false) || requestStream.Current.ChunkCase != WriteChunk.ChunkOneofCase.Header)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the first message must be the header");
        }

        var header = requestStream.Current.Header;
        var owner = paths.OwnerOf(header.User);
        var path = GuestPaths.ResolveFor(header.Path, owner);
        FileMetadata.Validate(header.Metadata);
        var temporary = FileErrors.Translate(() => PrepareTemporary(path, owner));
        try
        {
            long written = 0;
            var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0 });
            await using (stream.ConfigureAwait(false))
            {
                while (await requestStream.MoveNext(cancellation).ConfigureAwait(false))
                {
                    if (requestStream.Current.ChunkCase == WriteChunk.ChunkOneofCase.LaneTicket)
                    {
                        written += await ReceiveFromLaneAsync(requestStream.Current.LaneTicket, stream, cancellation).ConfigureAwait(false);
                        if (await requestStream.MoveNext(cancellation).ConfigureAwait(false))
                        {
                            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "nothing may follow the lane ticket");
                        }

                        break;
                    }

                    var data = requestStream.Current.Data;
                    await stream.WriteAsync(data.Memory, cancellation).ConfigureAwait(false);
                    written += data.Length;
                }
            }

            if (header.ExpectedSize >= 0 && written != header.ExpectedSize)
            {
                throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "received size differs from expected_size");
            }

            return FileErrors.Translate(() =>
            {
                if (File.Exists(path))
                {
                    File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
                }

                GuestPaths.GiveTo(temporary, owner);
                FileMetadata.Write(temporary, header.Metadata);
                File.Move(temporary, path, overwrite: true);
                return entries.Describe(path);
            });
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw FileErrors.From(failure);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Sends exactly <paramref name="size"/> bytes of <paramref name="file"/> on the lane connection
    /// presenting <paramref name="ticket"/>, announced by a first message that carries only the size.
    /// </summary>
    private static async Task SendOnLaneAsync(FileStream file, long size, LaneTickets lane, ByteString ticket, IServerStreamWriter<ReadChunk> responseStream,
        CancellationToken cancellationToken)
    {
        // Claimed before the announcement, so the host's connection finds the ticket expected.
        var claim = lane.ClaimAsync(ticket.Memory, cancellationToken);
        try
        {
            await responseStream.WriteAsync(new ReadChunk { Size = size, OnLane = true }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The host is gone: a connection that still comes is closed, a claim that times out observed.
            _ = claim.ContinueWith(static claimed =>
            {
                if (claimed.IsCompletedSuccessfully)
                {
                    claimed.Result.Dispose();
                }
                else
                {
                    _ = claimed.Exception;
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }

        using var connection = await claim.ConfigureAwait(false);
        await Blocking(() =>
        {
            SocketFiles.SendFile(connection.SafeHandle, file.SafeFileHandle, 0, size, cancellationToken);
            return size;
        }).ConfigureAwait(false);
        connection.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Copies the lane connection presenting <paramref name="ticket"/> into <paramref name="file"/> up to its end; returns the bytes copied.</summary>
    private async Task<long> ReceiveFromLaneAsync(ByteString ticket, FileStream file, CancellationToken cancellationToken)
    {
        if (lane is null || ticket.Length != FileLane.TicketBytes)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the file lane is not open");
        }

        using var connection = await lane.ClaimAsync(ticket.Memory, cancellationToken).ConfigureAwait(false);
        var offset = file.Position;
        return await Blocking(() => SocketFiles.ReceiveToFile(connection.SafeHandle, file.SafeFileHandle, offset, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a blocking lane copy on a thread of its own: one syscall per chunk, where asynchronous
    /// sockets and files would add wake-ups and thread-pool hops that an emulated guest pays dearly.
    /// </summary>
    private static Task<T> Blocking<T>(Func<T> copy) =>
        Task.Factory.StartNew(copy, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Creates the target's parents (given to <paramref name="owner"/>) and returns a fresh temporary name beside it.</summary>
    private static string PrepareTemporary(string path, GuestUser? owner)
    {
        if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            throw AgentErrors.Exception(AgentErrorCode.IsADirectory, "is a directory");
        }

        var directory = Path.GetDirectoryName(path) ?? "/";
        GuestPaths.CreateDirectory(directory, owner);
        return UploadTemporaries.For(path);
    }

    private void Walk(DirectoryInfo directory, int depth, uint maxEntries, ListReply reply)
    {
        foreach (var info in directory.EnumerateFileSystemInfos().OrderBy(info => info.Name, StringComparer.Ordinal))
        {
            if (maxEntries > 0 && reply.Entries.Count >= maxEntries)
            {
                throw AgentErrors.Exception(AgentErrorCode.TooLarge, "too many entries");
            }

            var entry = entries.Describe(info);
            reply.Entries.Add(entry);
            if (depth > 1 && entry.Type == FileType.Directory)
            {
                Walk((DirectoryInfo)info, depth - 1, maxEntries, reply);
            }
        }
    }
}
