using System.Threading.Channels;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// The Files service's Watch: a <see cref="FileSystemWatcher"/> (inotify) on one directory,
/// whose events go to the caller in order through a bounded queue. A caller that does not keep up
/// loses events rather than holding the watcher's thread: the queue drops the newest.
/// </summary>
internal static class DirectoryWatch
{
    private const int QueuedEvents = 4096;

    public static async Task RunAsync(string directory, bool recursive, IServerStreamWriter<WatchEvent> responseStream, CancellationToken cancellationToken)
    {
        FileErrors.Translate(() =>
        {
            if (!Directory.Exists(directory))
            {
                throw File.Exists(directory)
                    ? AgentErrors.Exception(AgentErrorCode.NotADirectory, "not a directory")
                    : AgentErrors.Exception(AgentErrorCode.NotFound, "no such directory");
            }

            return true;
        });
        var events = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(QueuedEvents) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        using var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = recursive,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += (_, change) => events.Writer.TryWrite(EventOf(directory, change.FullPath, WatchEventType.Create));
        watcher.Changed += (_, change) => events.Writer.TryWrite(EventOf(directory, change.FullPath, WatchEventType.Write));
        watcher.Deleted += (_, change) => events.Writer.TryWrite(EventOf(directory, change.FullPath, WatchEventType.Remove));
        watcher.Renamed += (_, change) =>
        {
            // The old name goes away (as E2B's daemon reports a rename), the new one appears.
            events.Writer.TryWrite(EventOf(directory, change.OldFullPath, WatchEventType.Rename));
            events.Writer.TryWrite(EventOf(directory, change.FullPath, WatchEventType.Create));
        };
        watcher.EnableRaisingEvents = true;
        await responseStream.WriteAsync(new WatchEvent(), cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var change in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(change, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away: the watch ends.
        }
    }

    private static WatchEvent EventOf(string directory, string path, WatchEventType type) =>
        new() { Name = Path.GetRelativePath(directory, path), Type = type };
}
