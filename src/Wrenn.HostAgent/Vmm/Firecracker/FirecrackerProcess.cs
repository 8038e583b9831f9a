using System.Globalization;
using Wrenn.HostAgent.Network;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// Starts a Firecracker process detached from the host agent (so capsules survive its restart), in
/// the capsule's network namespace: under the jailer (chroot, cgroup v2, unprivileged uid, seccomp
/// as Firecracker ships it) when one is configured, otherwise in a private mount namespace that
/// shows the capsule's vm/ directory at a fixed path. Never through a shell with untrusted text:
/// every value here is a path or name the host agent made.
/// </summary>
internal static class FirecrackerProcess
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(10);

    public static async Task<VmmProcess> StartAsync(FirecrackerOptions options, VmRoot root, CapsuleNetwork network, string consoleLog, CancellationToken cancellationToken)
    {
        if (root.Jailed)
        {
            await HostCommand.RunAsync(options.Jailer!, JailerArguments(options, root, network), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Directory.CreateDirectory(VmRoot.PrivateMountPoint);
            // sh only sequences fixed commands; the paths arrive as positional parameters, never parsed.
            const string Script = "mount --bind \"$1\" \"$2\" && echo $$ > \"$3\" && exec \"$4\" --api-sock \"$5\" >>\"$6\" 2>&1 </dev/null";
            await HostCommand.RunAsync("setsid",
            [
                "--fork", "unshare", "--mount", "--propagation", "private", "--",
                "ip", "netns", "exec", network.Namespace,
                "/bin/sh", "-c", Script, "wrenn-firecracker",
                root.Outside, VmRoot.PrivateMountPoint, root.PidFile, options.Firecracker, root.InsidePath("api.sock"), consoleLog,
            ], cancellationToken).ConfigureAwait(false);
        }

        return await WaitReadyAsync(root, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The jailer's command line (docs/jailer.md in Firecracker's repository).</summary>
    public static IReadOnlyList<string> JailerArguments(FirecrackerOptions options, VmRoot root, CapsuleNetwork network) =>
    [
        "--id", root.Id,
        "--exec-file", options.Firecracker,
        "--uid", options.JailUid.ToString(CultureInfo.InvariantCulture),
        "--gid", options.JailGid.ToString(CultureInfo.InvariantCulture),
        "--chroot-base-dir", options.JailDirectory,
        "--netns", network.NamespacePath,
        "--cgroup-version", "2",
        "--daemonize",
    ];

    private static async Task<VmmProcess> WaitReadyAsync(VmRoot root, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)StartLimit.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (File.Exists(root.Api) && File.Exists(root.PidFile)
                && int.TryParse(File.ReadAllText(root.PidFile).Trim(), CultureInfo.InvariantCulture, out var pid)
                && VmmProcess.Find(pid) is { } process)
            {
                return process;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        throw new VmmException("Firecracker did not open its API socket within 10 s");
    }
}
