using Wrenn.Cli.Login;
using Wrenn.Client;

namespace Wrenn.Cli.Completion;

/// <summary>The team's capsule ids, for shell completion: quick or nothing.</summary>
internal static class CapsuleCompletions
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    public static IEnumerable<string> Ids()
    {
        try
        {
            var options = Credentials.Resolve(TimeProvider.System);
            options.Timeout = Patience;
            using var client = new WrennClient(options);
            using var cancel = new CancellationTokenSource(Patience);
            // Completion callbacks are synchronous; this is a short-lived process with nothing else to do.
            return client.Capsules.ListAsync(cancellationToken: cancel.Token).Select(capsule => capsule.Id.Value).ToListAsync(cancel.Token)
                .AsTask().GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is WrennApiException or HttpRequestException or OperationCanceledException
            or TimeoutException or CliException or ArgumentException)
        {
            // No server or no login: the shell just offers nothing.
            return [];
        }
    }
}
