using System.Net;
using Wrenn.Agent.Protocol.Lane;
using Wrenn.GuestAgent.Processes;
using Wrenn.GuestAgent.Transport;
using Wrenn.Linux.Network;

namespace Wrenn.GuestAgent.Boot;

/// <summary>
/// Runs the agent as the capsule's PID 1: the initramfs has mounted the root filesystem, /proc,
/// /sys, /dev, /run and /tmp; this brings up loopback and serves the host link forever. PID 1 must
/// never exit (the kernel would panic), so a link that cannot be opened is logged and tried again.
/// </summary>
internal static class CapsuleBoot
{
    public static async Task<int> RunAsync()
    {
        ChildReaper.OwnsAllChildren = true;
        var commandLine = KernelCommandLine.Parse(await File.ReadAllTextAsync("/proc/cmdline").ConfigureAwait(false));
        var link = HostLinkEndPoint.Parse(commandLine.Link);
        if (link is null)
        {
            await Console.Error.WriteLineAsync("wrenn-agent: bad wrenn.link on the kernel command line").ConfigureAwait(false);
            return await IdleForeverAsync().ConfigureAwait(false);
        }

        var loopbackError = Loopback.BringUp();
        if (loopbackError != 0)
        {
            await Console.Error.WriteLineAsync($"wrenn-agent: loopback up failed, errno {loopbackError}").ConfigureAwait(false);
        }

        var loggers = AgentRpc.CreateLoggers();
        var rpc = new AgentRpc(new AgentSettings(link, commandLine.Secret, OwnsMachine: true, new IPEndPoint(IPAddress.Any, FileLane.Port)), loggers);
        while (true)
        {
            try
            {
                // Served for the life of the guest: the listener's threads never end.
                _ = await HostLinks.ServeAsync(link, rpc, CancellationToken.None).ConfigureAwait(false);
                await Console.Out.WriteLineAsync("WRENN-AGENT-READY").ConfigureAwait(false);
                return await IdleForeverAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                await Console.Error.WriteLineAsync($"wrenn-agent: opening the host link failed: {exception.GetType().Name}").ConfigureAwait(false);
            }

            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    private static async Task<int> IdleForeverAsync()
    {
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        return 1;
    }
}
