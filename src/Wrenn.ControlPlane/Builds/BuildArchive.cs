using System.Formats.Tar;
using System.IO.Compression;
using Wrenn.Recipes;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// A build's uploaded archive, copied into its capsule and unpacked into
/// <see cref="RecipeRunner.ArchiveDirectory"/> with the guest's <c>tar</c>. The format is told by
/// content, as in the reference: tar, gzip (tar.gz, also the fallback) or zip. A zip is turned into
/// a tar on the host first: base templates have no <c>unzip</c>.
/// </summary>
internal static class BuildArchive
{
    private static readonly TimeSpan UnpackTimeout = TimeSpan.FromMinutes(2);

    public static async Task UnpackAsync(RecipeRunner runner, string archive, CancellationToken cancellationToken)
    {
        var head = new byte[262];
        int length;
        await using (var file = File.OpenRead(archive))
        {
            length = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        var isZip = head.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x50, 0x4b, 0x03, 0x04]);
        var isTar = isZip || (length >= 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8));
        var source = isZip ? await TarOfZipAsync(archive, cancellationToken).ConfigureAwait(false) : archive;
        try
        {
            var target = RecipeRunner.ArchiveDirectory + (isTar ? ".tar" : ".tar.gz");
            await using (var file = File.OpenRead(source))
            {
                await runner.WriteFileAsync(target, file, cancellationToken).ConfigureAwait(false);
            }

            var directory = RecipeRunner.ArchiveDirectory;
            var command = $"mkdir -p {directory} && tar x{(isTar ? "" : "z")}f {target} -C {directory} && chmod -R a+rX {directory}";
            var result = await runner.ExecuteAsync(command, UnpackTimeout, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0 || result.TimedOut)
            {
                throw new BuildRunner.BuildFailure("archive upload failed: " + BuildRunner.Tail(result.StderrText.Trim()));
            }
        }
        finally
        {
            if (isZip)
            {
                File.Delete(source);
            }
        }
    }

    /// <summary>The zip's files and directories as a tar beside it; a damaged zip fails the build.</summary>
    private static async Task<string> TarOfZipAsync(string archive, CancellationToken cancellationToken)
    {
        var tarPath = archive + ".tar";
        try
        {
            await using var output = File.Create(tarPath);
            await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries)
            {
                var directory = entry.FullName.EndsWith('/');
                var converted = new PaxTarEntry(directory ? TarEntryType.Directory : TarEntryType.RegularFile, entry.FullName) { ModificationTime = entry.LastWriteTime };
                await using var content = directory ? null : entry.Open();
                converted.DataStream = content;
                await tar.WriteEntryAsync(converted, cancellationToken).ConfigureAwait(false);
            }

            return tarPath;
        }
        catch (InvalidDataException exception)
        {
            File.Delete(tarPath);
            throw new BuildRunner.BuildFailure("archive upload failed: the zip is damaged (" + exception.Message + ")");
        }
    }
}
