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
        watcher.Created += (_, change) =>
        {
            events.Writer.TryWrite(EventOf(directory, change.FullPath, WatchEventType.Create));
            if (recursive)
            {
                ReportContents(directory, change.FullPath, events.Writer);
            }
        };
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

    /// <summary>
    /// Reports what a directory that appeared under a recursive watch already holds once its own
    /// watch is in place: inotify tells only of what comes after, so the contents of a directory
    /// moved in, or written at once after a <c>mkdir</c>, would go unreported. An entry made between
    /// the watch and this listing is reported twice.
    /// </summary>
    private static void ReportContents(string directory, string created, ChannelWriter<WatchEvent> events)
    {
        var appeared = new DirectoryInfo(created);
        if (!appeared.Exists || appeared.LinkTarget is not null)
        {
            return;
        }

        try
        {
            var below = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            foreach (var entry in appeared.EnumerateFileSystemInfos("*", below))
            {
                events.TryWrite(EventOf(directory, entry.FullName, WatchEventType.Create));
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // It went away while being listed: its removal is reported by inotify.
        }
    }

    private static WatchEvent EventOf(string directory, string path, WatchEventType type) =>
        new() { Name = Path.GetRelativePath(directory, path), Type = type };
}
