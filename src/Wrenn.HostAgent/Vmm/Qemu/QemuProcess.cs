using System.Diagnostics;
using System.Net.Sockets;
using Wrenn.HostAgent.Capsules;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Starts QEMU detached from the host agent — its own session, stdio to the capsule's vmm.log, not
/// a child that the host agent's end would take along — and waits until its QMP monitor answers.
/// QEMU's own <c>-daemonize</c> would do the same, but it forks and calls setsid after QEMU's
/// seccomp filter is on, which then could not deny spawning processes.
/// </summary>
internal static class QemuProcess
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    // How long a QEMU that wrote no pidfile may take before what it logged counts as its failure.
    private static readonly TimeSpan LogGrace = TimeSpan.FromMilliseconds(200);

    /// <summary>The descriptors QEMU finds the capsule's root disk open on, read-only and read-write.</summary>
    public const int DiskReadFd = 3;

    /// <inheritdoc cref="DiskReadFd"/>
    public const int DiskReadWriteFd = 4;

    // sh only redirects and execs: the log and disk paths and QEMU's arguments arrive as positional parameters.
    private const string Script = "log=$1; disk=$2; shift 2; cd / && exec \"$@\" </dev/null >>\"$log\" 2>&1 3<\"$disk\" 4<>\"$disk\"";

    /// <param name="directory">The capsule's directory (pidfile, QMP socket, log, and the root disk QEMU gets open as <see cref="DiskReadFd"/> and <see cref="DiskReadWriteFd"/>).</param>
    /// <param name="binary">The QEMU binary.</param>
    /// <param name="arguments">Its arguments, with <c>-pidfile</c> and <c>-qmp</c> in <paramref name="directory"/>.</param>
    /// <param name="networkNamespace">The capsule's network namespace to run in, if any.</param>
    /// <param name="cancellationToken">Cancels the wait (the caller stops what was started).</param>
    public static async Task<(VmmProcess Process, QmpClient Qmp)> StartAsync(
        CapsuleDirectory directory, string binary, IReadOnlyList<string> arguments, string? networkNamespace, CancellationToken cancellationToken)
    {
        // Stale files of an earlier VMM must not be taken for this one's.
        File.Delete(directory.PidFile);
        File.Delete(directory.VmmLog);
        await HostCommand.RunAsync("setsid",
        [
            "--fork", .. networkNamespace is null ? [] : (string[])["ip", "netns", "exec", networkNamespace],
            "/bin/sh", "-c", Script, "wrenn-qemu", directory.VmmLog, QemuFiles.DiskOf(directory), binary, .. arguments,
        ], cancellationToken).ConfigureAwait(false);

        var started = Stopwatch.StartNew();
        while (true)
        {
            var process = VmmProcess.FromPidFile(directory.PidFile, Path.GetFileName(binary));
            if (process is not null && await TryConnectAsync(directory.QmpSocket, cancellationToken).ConfigureAwait(false) is { } qmp)
            {
                return (process, qmp);
            }

            if (process is null && started.Elapsed > LogGrace && LogTail(directory.VmmLog) is { Length: > 0 } failure)
            {
                throw new VmmException("QEMU did not start: " + failure);
            }

            if (started.Elapsed > StartLimit)
            {
                process?.Kill();
                throw new VmmException($"QEMU did not answer on its monitor within {StartLimit.TotalSeconds} s");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<QmpClient?> TryConnectAsync(string socket, CancellationToken cancellationToken)
    {
        try
        {
            return await QmpClient.ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or IOException or QmpException)
        {
            // Not listening yet, or a stale socket of an earlier VMM.
            return null;
        }
    }

    private static string LogTail(string log)
    {
        try
        {
            var text = File.ReadAllText(log).Trim();
            return text.Length > 500 ? text[^500..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }
}
