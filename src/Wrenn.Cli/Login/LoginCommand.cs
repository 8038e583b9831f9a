using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli.Login;

/// <summary>
/// <c>wrenn login</c> and <c>wrenn logout</c>: the server and credential the other commands use,
/// saved owner-only under the user's config directory. The environment overrides what is saved.
/// </summary>
internal static class LoginCommand
{
    public static IEnumerable<Command> Create() => [Login(), Logout()];

    private static Command Login()
    {
        var baseUrl = new Option<string?>("--base-url") { Description = $"The Wrenn API (default {WrennClientOptions.DefaultBaseUrl})" };
        var apiKey = new Option<string?>("--api-key") { Description = "An API key (wrn_…); read from standard input when not given" };
        var command = new Command("login", "Save the server and API key the other commands use") { baseUrl, apiKey };
        command.SetRun(async (run, cancellationToken) =>
        {
            var url = WrennClientOptions.ParseBaseUrl(run.Get(baseUrl) ?? StoredLogin.Load()?.BaseUrl ?? WrennClientOptions.DefaultBaseUrl.ToString());
            var key = run.Get(apiKey) ?? Prompt.Secret("API key: ");
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new CliException("no API key given", ExitCodes.Usage);
            }

            // Checked before it is saved: a key the server refuses is an error now, not at the next command.
            using var client = new WrennClient(new WrennClientOptions { BaseUrl = url, ApiKey = key.Trim() });
            await client.Capsules.ListAsync(new CapsuleListOptions { PageSize = 1 }, cancellationToken).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            new StoredLogin(url.ToString(), key.Trim(), AccessToken: null, AccessTokenExpiresAt: null, Email: null).Save();
            run.Out.Say($"Logged in to {url}; saved in {StoredLogin.FilePath}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Logout()
    {
        var command = new Command("logout", "Forget the saved server and credential");
        command.SetRun((run, _) =>
        {
            run.Out.Say(StoredLogin.Remove() ? "Logged out" : "Not logged in");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
