using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Hosting;

namespace Wrenn.Server.Hosting;

/// <summary>
/// When the host starts (setting <c>prebuild_templates</c>), builds the platform templates'
/// snapshots at the default capsule size in the background, so that a newcomer's first capsule of
/// each template restores in a fraction of a second instead of waiting for a boot.
/// </summary>
internal sealed partial class TemplatePrebuild(LocalCapsuleHost host, CapsuleRuntime runtime, ILogger<TemplatePrebuild> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // After the host has taken over what an earlier run left: adoption clears unfinished
            // template builds and stops VMs it does not know, which a build started before it would be.
            await host.AdoptedAsync(stoppingToken).ConfigureAwait(false);
            await runtime.PrebuildTemplatesAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A convenience only: the server goes on, and first capsules build what they need.
            LogFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Prebuilding the platform templates stopped")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
