using System.Net.Sockets;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Copies the guest's serial console into console.log, keeping at most two files of
/// <see cref="MaxFileBytes"/>: a hostile guest can write to its console without end, and must not
/// fill the host's disk. QEMU drops console output while nobody is connected, so the guest never
/// blocks on it either.
/// </summary>
internal static class ConsoleLog
{
    public const long MaxFileBytes = 1024 * 1024;

    /// <summary>Runs until the console socket closes (the VM ended) or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task CopyAsync(string socketPath, string logPath, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            var log = OpenAppend(logPath);
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (log.Length + read > MaxFileBytes)
                    {
                        await log.DisposeAsync().ConfigureAwait(false);
                        File.Move(logPath, logPath + ".1", overwrite: true);
                        log = OpenAppend(logPath);
                    }

                    await log.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    await log.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await log.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            // The VM is gone or the capsule is being torn down.
        }
    }

    /// <summary>The last <paramref name="maxBytes"/> of the console, for diagnosing a failed boot.</summary>
    public static string Tail(string logPath, int maxBytes = 4096)
    {
        try
        {
            using var file = File.OpenRead(logPath);
            file.Seek(Math.Max(0, file.Length - maxBytes), SeekOrigin.Begin);
            using var reader = new StreamReader(file);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static FileStream OpenAppend(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });
}
