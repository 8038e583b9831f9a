using System.Threading.Channels;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// The Files service's Watch: a <see cref="FileSystemWatcher"/> (inotify) on one directory,
/// whose events go to the caller in order through a bounded queue. A caller that does not keep up
/// loses events rather than holding the watcher's thread: the queue drops the newest. With
/// <c>entries</c>, an event of a path that exists carries its entry, described as the event comes.
/// An upload's temporary file (<see cref="UploadTemporaries"/>) is not reported; its commit is, as
/// the write (and, for a new file, the create) of its target.
/// </summary>
internal static class DirectoryWatch
{
    private const int QueuedEvents = 4096;

    public static async Task RunAsync(string directory, bool recursive, FileEntries? entries, IServerStreamWriter<WatchEvent> responseStream, CancellationToken cancellationToken)
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
        void Report(string path, WatchEventType type) => events.Writer.TryWrite(EventOf(directory, path, type, entries));
        watcher.Created += (_, change) =>
        {
            if (UploadTemporaries.Is(change.FullPath))
            {
                return;
            }

            Report(change.FullPath, WatchEventType.Create);
            if (recursive)
            {
                ReportContents(change.FullPath, Report);
            }
        };
        watcher.Changed += (_, change) =>
        {
            if (!UploadTemporaries.Is(change.FullPath))
            {
                Report(change.FullPath, WatchEventType.Write);
            }
        };
        watcher.Deleted += (_, change) =>
        {
            // An upload's temporary goes away unrenamed only when the upload was abandoned: nothing changed.
            if (!UploadTemporaries.Is(change.FullPath))
            {
                Report(change.FullPath, WatchEventType.Remove);
            }
        };
        watcher.Renamed += (_, change) =>
        {
            if (UploadTemporaries.Is(change.OldFullPath))
            {
                if (UploadTemporaries.Creates(change.OldFullPath))
                {
                    Report(change.FullPath, WatchEventType.Create);
                }

                Report(change.FullPath, WatchEventType.Write);
                return;
            }

            // The old name goes away (as E2B's daemon reports a rename), the new one appears.
            Report(change.OldFullPath, WatchEventType.Rename);
            Report(change.FullPath, WatchEventType.Create);
        };
        watcher.Error += (_, failure) =>
        {
            // An overflowing inotify queue loses events and the watch goes on (as a slow caller's
            // do); anything else stopped the watcher, and the call ends with it.
            if (failure.GetException() is not InternalBufferOverflowException)
            {
                events.Writer.TryComplete(AgentErrors.Exception(AgentErrorCode.Unknown, "the watch stopped"));
            }
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
    private static void ReportContents(string created, Action<string, WatchEventType> report)
    {
        var appeared = new DirectoryInfo(created);
        if (!appeared.Exists || appeared.LinkTarget is not null)
        {
            return;
        }

        try
        {
            var below = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            // At most a queue's worth: more could not be delivered anyway.
            foreach (var entry in appeared.EnumerateFileSystemInfos("*", below).Where(entry => !UploadTemporaries.Is(entry.FullName)).Take(QueuedEvents))
            {
                report(entry.FullName, WatchEventType.Create);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // It went away while being listed: its removal is reported by inotify.
        }
    }

    private static WatchEvent EventOf(string directory, string path, WatchEventType type, FileEntries? entries)
    {
        var change = new WatchEvent { Name = Path.GetRelativePath(directory, path), Type = type };
        if (entries is not null && type is WatchEventType.Create or WatchEventType.Write)
        {
            try
            {
                change.Entry = entries.Describe(path);
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                // Gone again already (or out of reach): the event goes without its entry. A handler
                // that threw would stop the watcher.
            }
        }

        return change;
    }
}
