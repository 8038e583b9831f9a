using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Wrenn.HostAgent.Memory;
using Wrenn.Linux;
using Wrenn.Linux.Io;
using Wrenn.Linux.Memory;

namespace Wrenn.HostAgent.PageServer;

/// <summary>
/// Serves one VM's memory from a chain of layers (design: docs/memory-layers.md). The VMM connects
/// to <see cref="SocketPath"/> and sends its guest regions and userfaultfd; from then on a
/// dedicated thread answers page faults, one page (or chunk) at a time, and a background thread
/// loads the recorded working set first, then the rest of memory. The two share only lock-free
/// bitmaps; sessions share nothing, so many VMs are served side by side.
/// </summary>
public sealed partial class PageServerSession : IAsyncDisposable
{
    private const int PageSize = LayerHeader.PageSize;
    private const int HugePages = 512;
    private const int MaxHandshakeBytes = 64 * 1024;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly PageMap _map;
    private readonly uint[] _workingSet;
    private readonly PageServerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly PageBitmap _served;
    private readonly PageBitmap _removed;
    private readonly ConcurrentQueue<uint> _faulted = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private UserFaultFd? _uffd;
    private ActiveRegion[] _regions = [];
    private Thread? _faultThread;
    private Thread? _prefetchThread;
    private MappedMemory? _faultStaging;
    private MappedMemory? _prefetchStaging;
    private int _recorded;
    private int _disposed;
    private volatile bool _fullyLoaded;

    internal PageServerSession(string socketPath, PageMap map, uint[] workingSet, PageServerOptions options, ILogger logger)
    {
        SocketPath = socketPath;
        _map = map;
        _workingSet = workingSet;
        _options = options;
        _logger = logger;
        _served = new PageBitmap(map.Pages);
        _removed = new PageBitmap(map.Pages);
        File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(1);
        _accept = AcceptAsync();
    }

    /// <summary>The Unix socket the VMM connects to (Firecracker's Uffd backend_path).</summary>
    public string SocketPath { get; }

    public PageServerStats Stats { get; } = new();

    /// <summary>Completes once the VMM has connected and handed over its regions and userfaultfd.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the session ends: the VM went away, or it failed (a damaged page, a bad handshake).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Every page has been loaded: the VM no longer depends on this session (unless it discards memory).</summary>
    public bool FullyLoaded => _fullyLoaded;

    /// <summary>The pages the guest faulted in since it was restored, in first-touch order.</summary>
    public IReadOnlyCollection<uint> FaultedPages => _faulted.ToArray();

    public async ValueTask DisposeAsync()
    {
        // Both the VM that owns the session and the page server (at shutdown) may dispose it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accept.ConfigureAwait(false);
        _faultThread?.Join();
        _prefetchThread?.Join();
        _uffd?.Dispose();
        _faultStaging?.Dispose();
        _prefetchStaging?.Dispose();

        _map.Dispose();
        File.Delete(SocketPath);
        _stop.Dispose();
        _completion.TrySetResult();
    }

    private async Task AcceptAsync()
    {
        try
        {
            using var connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            _listener.Dispose();
            var (regions, uffd) = await Task.Run(() => ReceiveHandshake(connection), _stop.Token).ConfigureAwait(false);
            _uffd = uffd;
            Volatile.Write(ref _regions, [.. regions.Select(ActiveRegion.From)]);
            if (_regions.Any(region => region.Offset + region.Size > (ulong)_map.MemoryBytes))
            {
                throw new InvalidDataException("a guest region lies outside the snapshot's memory");
            }

            if (_regions.Any(region => region.IsHuge))
            {
                // Staging buffers for assembling huge pages, one per serving thread.
                _faultStaging = MappedMemory.Anonymous(HugePages * PageSize);
                _prefetchStaging = MappedMemory.Anonymous(HugePages * PageSize);
            }

            _faultThread = new Thread(FaultLoop) { IsBackground = true, Name = "wrenn-uffd-faults", Priority = ThreadPriority.AboveNormal };
            _prefetchThread = new Thread(PrefetchLoop) { IsBackground = true, Name = "wrenn-uffd-prefetch", Priority = ThreadPriority.BelowNormal };
            _faultThread.Start();
            _prefetchThread.Start();
            LogConnected(_logger, SocketPath, regions.Count, _workingSet.Length);
            _connected.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            _connected.TrySetCanceled();
        }
        catch (Exception exception) when (exception is IOException or SocketException or JsonException or InvalidDataException or ObjectDisposedException)
        {
            // No thread uses the userfaultfd yet. Closing it now matters: while a handler holds it
            // unread, the VMM's own munmap of guest memory would wait for this session forever.
            _uffd?.Dispose();
            _uffd = null;
            Fail(exception);
            _connected.TrySetException(exception);
        }
    }

    /// <summary>Reads the VMM's region list (JSON, possibly over several reads) and the userfaultfd attached to it.</summary>
    private static (IReadOnlyList<GuestRegion> Regions, UserFaultFd Uffd) ReceiveHandshake(Socket connection)
    {
        // recvmsg goes around .NET's socket engine, so the socket must block, but not forever.
        connection.Blocking = true;
        connection.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
        var buffer = new byte[MaxHandshakeBytes];
        var length = 0;
        UserFaultFd? uffd = null;
        try
        {
            while (true)
            {
                var (read, fd) = UnixRights.Receive(connection, buffer.AsSpan(length));
                if (fd is not null)
                {
                    uffd?.Dispose();
                    uffd = new UserFaultFd(fd);
                }

                length += read;
                if (read == 0 || length == buffer.Length || IsCompleteJson(buffer.AsSpan(0, length)))
                {
                    break;
                }
            }

            var regions = GuestRegion.ParseAll(buffer.AsSpan(0, length));
            return (regions, uffd ?? throw new InvalidDataException("the VMM sent no userfaultfd"));
        }
        catch
        {
            uffd?.Dispose();
            throw;
        }
    }

    private static bool IsCompleteJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: false, default);
        try
        {
            return reader.Read() && reader.TrySkip() && reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return true; // malformed: let the parser report it
        }
    }

    private void FaultLoop()
    {
        var messages = new UffdMessage[64];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var ready = FdIo.Poll(_uffd!.Handle, FdIo.POLLIN, 100);
                if ((ready & (FdIo.POLLERR | FdIo.POLLHUP)) != 0)
                {
                    break; // the VM's memory is gone
                }

                if ((ready & FdIo.POLLIN) == 0)
                {
                    continue;
                }

                var count = _uffd.ReadMessages(messages);
                if (count < 0)
                {
                    throw new IOException($"reading the userfaultfd failed (errno {-count})");
                }

                for (var i = 0; i < count; i++)
                {
                    Handle(messages[i]);
                }
            }

            _completion.TrySetResult();
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            Fail(exception);
        }
        finally
        {
            _stop.Cancel();
            _prefetchThread?.Join();
            if (_completion.Task.IsFaulted)
            {
                // A failed session must not keep the fd unread: the VMM's munmap would wait for it forever.
                _uffd!.Dispose();
            }
        }
    }

    private void Handle(in UffdMessage message)
    {
        switch (message.Event)
        {
            case UffdMessage.EventPageFault:
                Interlocked.Increment(ref Stats.FaultCount);
                ServeFault(message.FaultAddress);
                break;
            case UffdMessage.EventRemove:
                Interlocked.Increment(ref Stats.EventCount);
                Remove(message.RangeStart, message.RangeEnd);
                break;
            case UffdMessage.EventUnmap:
                Interlocked.Increment(ref Stats.EventCount);
                Unmap(message.RangeStart, message.RangeEnd);
                break;
            case UffdMessage.EventRemap:
                Interlocked.Increment(ref Stats.EventCount);
                Remap(message.RemapFrom, message.RemapTo, message.RemapLength);
                break;
            default:
                // Fork and future events concern no memory this session serves.
                Interlocked.Increment(ref Stats.EventCount);
                LogIgnoredEvent(_logger, SocketPath, message.Event);
                break;
        }
    }

    private void ServeFault(ulong address)
    {
        var region = RegionOf(address) ?? throw new InvalidDataException("a page fault outside every guest region");
        var page = (long)((address - region.Base + region.Offset) / PageSize);
        var claimed = _served.IsSet(page);
        if (!claimed && Interlocked.Increment(ref _recorded) <= PageServerOptions.MaxRecordedPages)
        {
            _faulted.Enqueue((uint)page);
        }

        var unit = region.IsHuge ? HugePages : Math.Max(1, _options.FaultChunkPages);
        ServeRange(region, page - ((page - region.FirstPage) % unit), unit);
        if (claimed)
        {
            // Claimed earlier (by the prefetcher, or before a discard we raced with): place it now
            // regardless; if it is already there the copy fails with EEXIST and the thread is woken.
            var first = region.IsHuge ? page - ((page - region.FirstPage) % HugePages) : page;
            PlaceOne(region, first, region.IsHuge ? HugePages : 1);
        }
    }

    private void PrefetchLoop()
    {
        try
        {
            foreach (var page in _workingSet)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                if (page < _map.Pages && RegionOfPage(page) is { } region)
                {
                    var unit = region.IsHuge ? HugePages : 1;
                    Interlocked.Add(ref Stats.PrefetchedPageCount, ServeRange(region, page - ((page - region.FirstPage) % unit), unit));
                }
            }

            if (!_options.PrefetchAll)
            {
                return;
            }

            var chunk = Math.Max(HugePages, _options.PrefetchChunkPages);
            for (var page = 0L; page < _map.Pages && !_stop.IsCancellationRequested; page += chunk)
            {
                foreach (var region in Volatile.Read(ref _regions))
                {
                    Interlocked.Add(ref Stats.PrefetchedPageCount, ServeRange(region, page, chunk));
                }
            }

            _fullyLoaded = !_stop.IsCancellationRequested;
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            Fail(exception);
        }
    }

    /// <summary>
    /// Serves the pages of [<paramref name="first"/>, +<paramref name="count"/>) that lie in
    /// <paramref name="region"/> and nobody has claimed yet, in as few copies as the layout allows.
    /// Returns the number of pages this call placed.
    /// </summary>
    private int ServeRange(ActiveRegion region, long first, int count)
    {
        var start = Math.Max(first, region.FirstPage);
        var end = Math.Min(first + count, region.EndPage);
        if (region.IsHuge)
        {
            return ServeHuge(region, start, end);
        }

        var placed = 0;
        for (var page = start; page < end;)
        {
            if (!_served.TrySet(page))
            {
                page++;
                continue;
            }

            var removed = _removed.IsSet(page);
            var run = removed ? 1 : _map.RunLength(page, (int)(end - page));
            for (var k = 1; k < run; k++)
            {
                if (_removed.IsSet(page + k) || !_served.TrySet(page + k))
                {
                    run = k;
                    break;
                }
            }

            placed += removed || _map.IsZero(page) ? PlaceZeros(region, page, run) : PlaceData(region, page, run);
            page += run;
        }

        return placed;
    }

    private int PlaceZeros(ActiveRegion region, long page, int run)
    {
        var result = _uffd!.ZeroPages(region.AddressOf(page), (long)run * PageSize);
        Interlocked.Add(ref Stats.ZeroPageCount, run);
        return Settle(region, page, run, result);
    }

    private int PlaceData(ActiveRegion region, long page, int run)
    {
        var source = VerifiedSource(page, run);
        var result = _uffd!.Copy(region.AddressOf(page), source, (long)run * PageSize);
        Interlocked.Add(ref Stats.CopiedPageCount, run);
        return Settle(region, page, run, result);
    }

    /// <summary>
    /// Accounts for a copy of <paramref name="run"/> pages: if it stopped early (a page of the run
    /// was already present, e.g. one the VMM wrote itself), the rest is placed one page at a time.
    /// </summary>
    private int Settle(ActiveRegion region, long page, int run, long result)
    {
        if (result == (long)run * PageSize)
        {
            return run;
        }

        if (result < 0 && result != -Errno.EEXIST && result != -Errno.EAGAIN)
        {
            return Gone(result) ? 0 : throw new IOException($"placing guest pages failed (errno {-result})");
        }

        for (var next = page + (Math.Max(result, 0) / PageSize); next < page + run; next++)
        {
            PlaceOne(region, next, 1);
        }

        return run;
    }

    /// <summary>Places one page (or huge page) whatever the bitmaps say; one already present just has its waiters woken.</summary>
    private void PlaceOne(ActiveRegion region, long page, int pages)
    {
        var bytes = (long)pages * PageSize;
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var result = pages == 1 && (_removed.IsSet(page) || _map.IsZero(page))
                ? _uffd!.ZeroPages(region.AddressOf(page), bytes)
                : _uffd!.Copy(region.AddressOf(page), pages == 1 ? VerifiedSource(page, 1) : AssembleHuge(page), bytes);
            if (result == -Errno.EEXIST)
            {
                _uffd.Wake(region.AddressOf(page), bytes);
                return;
            }

            if (result != -Errno.EAGAIN)
            {
                if (result < 0 && !Gone(result))
                {
                    throw new IOException($"placing a guest page failed (errno {-result})");
                }

                return;
            }

            Thread.Yield(); // the VMM is changing its mappings; try again
        }
    }

    /// <summary>
    /// The stored bytes of <paramref name="run"/> non-zero pages from <paramref name="page"/> (stored
    /// next to each other), each checked first: every path that hands the guest data goes through here.
    /// </summary>
    private nint VerifiedSource(long page, int run)
    {
        for (var k = 0; k < run; k++)
        {
            if (!_map.Verify(page + k))
            {
                throw new InvalidDataException($"memory page {page + k} does not match its checksum");
            }
        }

        return _map.Address(page);
    }

    /// <summary>The target range no longer exists: unmapped, or the VM exited while we copied.</summary>
    private static bool Gone(long result) => result == -Errno.ENOENT || result == -Errno.ESRCH;

    /// <summary>Serves whole 2 MiB pages of a hugepage-backed region (each needs one copy of all its bytes).</summary>
    private int ServeHuge(ActiveRegion region, long start, long end)
    {
        var placed = 0;
        for (var unit = start - ((start - region.FirstPage) % HugePages); unit < end; unit += HugePages)
        {
            if (!_served.TrySet(unit))
            {
                continue;
            }

            for (var k = 1; k < HugePages; k++)
            {
                _served.TrySet(unit + k);
            }

            var result = _uffd!.Copy(region.AddressOf(unit), AssembleHuge(unit), HugePages * PageSize);
            if (result < 0 && result != -Errno.EEXIST && !Gone(result))
            {
                throw new IOException($"placing a huge page failed (errno {-result})");
            }

            Interlocked.Add(ref Stats.CopiedPageCount, HugePages);
            placed += HugePages;
        }

        return placed;
    }

    /// <summary>
    /// The bytes of the huge page starting at <paramref name="unit"/>: straight from the layer when
    /// stored contiguously, otherwise assembled in this thread's staging buffer.
    /// </summary>
    private nint AssembleHuge(long unit)
    {
        if (!_removed.IsSet(unit) && !_map.IsZero(unit) && _map.RunLength(unit, HugePages) == HugePages)
        {
            return VerifiedSource(unit, HugePages);
        }

        // Each staging buffer is used only by the one thread it belongs to.
        var staging = Thread.CurrentThread == _faultThread ? _faultStaging! : _prefetchStaging!;
        for (var k = 0; k < HugePages; k++)
        {
            var page = staging.Span((long)k * PageSize, PageSize);
            if (_removed.IsSet(unit + k) || _map.IsZero(unit + k))
            {
                page.Clear();
            }
            else
            {
                VerifiedSource(unit + k, 1);
                _map.Data(unit + k).CopyTo(page);
            }
        }

        return staging.Address;
    }

    /// <summary>The guest discarded memory (a balloon, madvise): the next touch of those pages reads zeros.</summary>
    private void Remove(ulong start, ulong end)
    {
        foreach (var region in Volatile.Read(ref _regions))
        {
            var from = Math.Max(start, region.Base);
            var to = Math.Min(end, region.Base + region.Size);
            for (var address = from; address < to; address += PageSize)
            {
                var page = (long)((address - region.Base + region.Offset) / PageSize);
                _removed.TrySet(page);
                _served.Clear(page);
                Interlocked.Increment(ref Stats.RemovedPageCount);
            }
        }

        _fullyLoaded = false;
    }

    /// <summary>The VMM unmapped memory: nothing there can fault any more, so prefetch skips it.</summary>
    private void Unmap(ulong start, ulong end)
    {
        var updated = Volatile.Read(ref _regions).SelectMany(region => region.Without(start, end)).ToArray();
        Volatile.Write(ref _regions, updated);
    }

    /// <summary>The VMM moved a mapping: faults now arrive at the new addresses.</summary>
    private void Remap(ulong from, ulong to, ulong length)
    {
        var updated = Volatile.Read(ref _regions).Select(region => region.Moved(from, to, length)).ToArray();
        Volatile.Write(ref _regions, updated);
    }

    private ActiveRegion? RegionOf(ulong address)
    {
        foreach (var region in Volatile.Read(ref _regions))
        {
            if (address >= region.Base && address < region.Base + region.Size)
            {
                return region;
            }
        }

        return null;
    }

    private ActiveRegion? RegionOfPage(long page)
    {
        foreach (var region in Volatile.Read(ref _regions))
        {
            if (page >= region.FirstPage && page < region.EndPage)
            {
                return region;
            }
        }

        return null;
    }

    private void Fail(Exception exception)
    {
        LogFailed(_logger, SocketPath, exception);
        _completion.TrySetException(exception);
        _stop.Cancel();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Page server {Socket}: VMM connected with {Regions} regions; prefetching {WorkingSet} recorded pages first")]
    private static partial void LogConnected(ILogger logger, string socket, int regions, int workingSet);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Page server {Socket} failed; the VM can no longer be served")]
    private static partial void LogFailed(ILogger logger, string socket, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Page server {Socket}: ignored userfaultfd event {Event}")]
    private static partial void LogIgnoredEvent(ILogger logger, string socket, byte @event);
}
