using Wrenn.HostAgent.Capsules;

namespace Wrenn.Cli.Serve;

/// <summary>
/// At start, takes over the capsules a previous run left running (their VMMs are detached, so a
/// restart or crash of this process does not stop them); at stop, lets go of them without stopping.
/// </summary>
internal sealed partial class CapsuleAdoption(CapsuleRuntime runtime, ILogger<CapsuleAdoption> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var gone = await runtime.AdoptAllAsync(cancellationToken).ConfigureAwait(false);
        LogAdopted(logger, runtime.Running.Count, gone.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await runtime.DisposeAsync().ConfigureAwait(false);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Adopted {Running} running capsules; {Gone} had stopped while the server was down")]
    private static partial void LogAdopted(ILogger logger, int running, int gone);
}
