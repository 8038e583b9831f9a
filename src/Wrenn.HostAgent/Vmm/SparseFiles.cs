namespace Wrenn.HostAgent.Vmm;

/// <summary>Copies of sparse files (RAM images, disks) that keep their holes.</summary>
internal static class SparseFiles
{
    public static async Task CopyAsync(string source, string target, CancellationToken cancellationToken) =>
        await HostCommand.RunAsync("cp", ["--sparse=always", source, target], cancellationToken).ConfigureAwait(false);
}
