using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>
/// <c>wrenn capsule cp SRC DST</c>: files and directories between this machine and a capsule, either
/// way. A target that is an existing directory receives the source inside it (as cp does). Files
/// stream in both directions with a progress bar; downloads land in a temporary file renamed at the end.
/// </summary>
internal static class CopyCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "A local path, or ID:/path in a capsule" };
        var target = new Argument<string>("target") { Description = "A local path, or ID:/path in a capsule" };
        var command = new Command("cp", "Copy files and directories between this machine and a capsule") { source, target };
        command.SetRun(async (run, cancellationToken) =>
        {
            var (from, to) = (CopyEndpoint.Parse(run.Get(source)), CopyEndpoint.Parse(run.Get(target)));
            if ((from.Capsule is null) == (to.Capsule is null))
            {
                throw new CliException("exactly one side must be in a capsule (ID:/path)", ExitCodes.Usage);
            }

            var copied = from.Capsule is { } capsule
                ? await DownloadAsync(run, capsule, from.Path, to.Path, cancellationToken).ConfigureAwait(false)
                : await UploadAsync(run, to.Capsule!.Value, from.Path, to.Path, cancellationToken).ConfigureAwait(false);
            run.Out.Say($"Copied {copied.Files} file(s), {copied.Bytes} bytes");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(int Files, long Bytes)> UploadAsync(Invocation run, CapsuleId capsule, string local, string remote, CancellationToken cancellationToken)
    {
        var files = run.Client.Files;
        if (await IsRemoteDirectoryAsync(files, capsule, remote, cancellationToken).ConfigureAwait(false))
        {
            remote = Join(remote, new CopyEndpoint(null, local).Name);
        }

        var plan = new List<(string Local, string Remote, long Size)>();
        if (Directory.Exists(local))
        {
            await files.MakeDirectoryIfMissingAsync(capsule, remote, cancellationToken).ConfigureAwait(false);
            foreach (var directory in Directory.EnumerateDirectories(local, "*", SearchOption.AllDirectories))
            {
                await files.MakeDirectoryIfMissingAsync(capsule, Join(remote, Path.GetRelativePath(local, directory)), cancellationToken).ConfigureAwait(false);
            }

            plan.AddRange(new DirectoryInfo(local).EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(file => file.LinkTarget is null)
                .Select(file => (file.FullName, Join(remote, Path.GetRelativePath(local, file.FullName)), file.Length)));
        }
        else
        {
            plan.Add((local, remote, new FileInfo(local).Length));
        }

        var total = plan.Sum(file => file.Size);
        await run.Out.ProgressAsync($"{local} → {capsule}:{remote}", total, async progress =>
        {
            long done = 0;
            foreach (var (from, to, size) in plan)
            {
                await using var content = File.OpenRead(from);
                var before = done;
                await files.UploadAsync(capsule, to, content, new ProgressReport(bytes => progress.Report(before + bytes)), cancellationToken).ConfigureAwait(false);
                done += size;
            }
        }).ConfigureAwait(false);
        return (plan.Count, total);
    }

    private static async Task<(int Files, long Bytes)> DownloadAsync(Invocation run, CapsuleId capsule, string remote, string local, CancellationToken cancellationToken)
    {
        var files = run.Client.Files;
        if (Directory.Exists(local))
        {
            local = Path.Combine(local, new CopyEndpoint(capsule, remote).Name);
        }

        var plan = new List<(string Remote, string Local, long Size)>();
        if (await IsRemoteDirectoryAsync(files, capsule, remote, cancellationToken).ConfigureAwait(false))
        {
            await PlanDirectoryAsync(files, capsule, remote, local, plan, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            plan.Add((remote, local, -1));
        }

        var known = plan.All(file => file.Size >= 0);
        await run.Out.ProgressAsync($"{capsule}:{remote} → {local}", known ? plan.Sum(file => file.Size) : null, async progress =>
        {
            long done = 0;
            foreach (var (from, to, _) in plan)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
                var temporary = to + ".wrenn-partial";
                try
                {
                    long size;
                    await using (var content = File.Create(temporary))
                    {
                        var before = done;
                        size = await files.DownloadAsync(capsule, from, content, new ProgressReport(bytes => progress.Report(before + bytes)), cancellationToken).ConfigureAwait(false);
                    }

                    File.Move(temporary, to, overwrite: true);
                    done += size;
                }
                finally
                {
                    File.Delete(temporary);
                }
            }
        }).ConfigureAwait(false);
        return (plan.Count, plan.Sum(file => Math.Max(file.Size, 0)));
    }

    /// <summary>Every regular file below <paramref name="remote"/> (symbolic links skipped); empty directories are created at once.</summary>
    private static async Task PlanDirectoryAsync(FilesClient files, CapsuleId capsule, string remote, string local,
        List<(string Remote, string Local, long Size)> plan, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(local);
        foreach (var entry in await files.ListAsync(capsule, remote, depth: 1, cancellationToken).ConfigureAwait(false))
        {
            var target = Path.Combine(local, entry.Name);
            if (entry.Type == FileType.Directory)
            {
                await PlanDirectoryAsync(files, capsule, entry.Path, target, plan, cancellationToken).ConfigureAwait(false);
            }
            else if (entry.Type == FileType.File)
            {
                plan.Add((entry.Path, target, entry.Size));
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> is a directory: its entry in its parent's listing says (a missing one is not).</summary>
    private static async Task<bool> IsRemoteDirectoryAsync(FilesClient files, CapsuleId capsule, string path, CancellationToken cancellationToken)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return true;
        }

        var slash = trimmed.LastIndexOf('/');
        var parent = slash switch { < 0 => ".", 0 => "/", _ => trimmed[..slash] };
        try
        {
            var entries = await files.ListAsync(capsule, parent, depth: 1, cancellationToken).ConfigureAwait(false);
            return entries.Any(entry => entry.Name == trimmed[(slash + 1)..] && entry.Type == FileType.Directory);
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static async Task MakeDirectoryIfMissingAsync(this FilesClient files, CapsuleId capsule, string path, CancellationToken cancellationToken)
    {
        try
        {
            await files.MakeDirectoryAsync(capsule, path, cancellationToken).ConfigureAwait(false);
        }
        catch (ConflictException)
        {
            // It exists already.
        }
    }

    private static string Join(string directory, string relative) => directory.TrimEnd('/') + "/" + relative.Replace(Path.DirectorySeparatorChar, '/');
}
