using Microsoft.Extensions.Logging;
using Wrenn.Host.Protocol;

namespace Wrenn.HostAgent.Capsules;

public sealed partial class CapsuleRuntime
{
    /// <summary>
    /// Builds, one after another, the snapshot of every platform template at the default size
    /// (<see cref="CapsuleSpec"/>'s) that this host lacks, the default template first: the first
    /// capsule of each then restores at once instead of waiting for a boot. A create that needs a
    /// template being built waits for that same build. A failed build is logged and the next built.
    /// </summary>
    /// <param name="cancellationToken">Stops between and inside builds (a build cut short leaves nothing behind).</param>
    public async Task PrebuildTemplatesAsync(CancellationToken cancellationToken)
    {
        var names = images.Templates.Keys
            .OrderBy(name => name != CapsuleSpec.DefaultTemplate)
            .ThenBy(name => name, StringComparer.Ordinal);
        foreach (var name in names)
        {
            try
            {
                var (_, lease) = await TemplateSnapshotAsync(new CapsuleSpec(name), cancellationToken).ConfigureAwait(false);
                if (lease is { Built: true })
                {
                    LogPrebuilt(logger, name);
                }

                lease?.Dispose();
            }
            catch (CapsuleException exception)
            {
                // A build cut short by the host stopping is no failure to report.
                cancellationToken.ThrowIfCancellationRequested();
                LogPrebuildFailed(logger, name, exception.Failure, exception.InnerException);
            }
        }
    }

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "Prebuilt the snapshot of platform template {Template}")]
    private static partial void LogPrebuilt(ILogger logger, string template);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Prebuilding the snapshot of platform template {Template} failed ({Failure}); its first capsule builds it")]
    private static partial void LogPrebuildFailed(ILogger logger, string template, CapsuleFailure failure, Exception? exception);
}
