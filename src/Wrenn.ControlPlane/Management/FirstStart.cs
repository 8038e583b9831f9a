using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Management;

/// <summary>
/// Before anything else serves: creates the database schema, and on the very first start a
/// default team with an API key, printed once and written to <c>&lt;data-dir&gt;/admin-api-key</c>
/// (mode 0600, via a temporary file and a rename).
/// </summary>
internal sealed partial class FirstStart(Database database, Accounts accounts, ApiKeys keys, ControlPlaneOptions options, ILogger<FirstStart> logger) : IHostedService
{
    public const string KeyFileName = "admin-api-key";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (await accounts.FirstTeamAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var team = await accounts.CreateTeamAsync("Default", cancellationToken).ConfigureAwait(false);
        var (_, key) = await keys.CreateAsync(new TeamId(team.Id), "admin", null, cancellationToken).ConfigureAwait(false);
        var path = Path.Combine(options.DataDirectory, KeyFileName);
        var temporary = path + ".tmp";
        // Created 0600 from the start: the key is never readable by others, not even briefly.
        var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(System.Text.Encoding.ASCII.GetBytes(key + "\n"), cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        // On a terminal the operator sees the key once; output that goes to a file or a log
        // collector never carries it: the key file is where it is kept.
        await Console.Out.WriteLineAsync(Console.IsOutputRedirected
            ? $"Created the default team and its API key, in {path} (mode 0600)."
            : $"Created the default team and its API key (shown once; also in {path}):\n\n    {key}\n").ConfigureAwait(false);
        LogCreated(logger, team.Id, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "First start: created the default team {TeamId}; its admin API key is in {KeyFile}")]
    private static partial void LogCreated(ILogger logger, string teamId, string keyFile);
}
