using System.CommandLine;
using Spectre.Console;
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
        var apiKey = new Option<string?>("--api-key") { Description = "An API key (wrn_…); asked for (or read from standard input) when not given" };
        var email = new Option<string?>("--email") { Description = "Log in as a user instead (a session: needed for keys and hosts); asks for the password" };
        var command = new Command("login", "Save the server and credential the other commands use") { baseUrl, apiKey, email };
        command.SetRun(async (run, cancellationToken) =>
        {
            var previous = StoredLogin.Load();
            var url = WrennClientOptions.ParseBaseUrl(run.Get(baseUrl) ?? previous?.BaseUrl ?? WrennClientOptions.DefaultBaseUrl.ToString());
            // What was saved for the same server stays: a key and a session can live side by side.
            var kept = previous is not null && WrennClientOptions.ParseBaseUrl(previous.BaseUrl) == url ? previous : null;
            var login = run.Get(email) is { } address
                ? await SessionAsync(url, address, kept, cancellationToken).ConfigureAwait(false)
                : await KeyAsync(url, run.Get(apiKey), kept, cancellationToken).ConfigureAwait(false);
            login.Save();
            run.Out.Say($"Logged in to {Markup.Escape(url.ToString())}; saved in {Markup.Escape(StoredLogin.FilePath)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<StoredLogin> KeyAsync(Uri url, string? given, StoredLogin? kept, CancellationToken cancellationToken)
    {
        var key = (given ?? Prompt.Secret("API key: "))?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            throw new CliException("no API key given", ExitCodes.Usage);
        }

        // Checked before it is saved: a key the server refuses is an error now, not at the next command.
        using var client = new WrennClient(new WrennClientOptions { BaseUrl = url, ApiKey = key });
        await client.Capsules.ListAsync(new CapsuleListOptions { PageSize = 1 }, cancellationToken).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return new StoredLogin(url.ToString(), key, kept?.AccessToken, kept?.AccessTokenExpiresAt, kept?.Email);
    }

    private static async Task<StoredLogin> SessionAsync(Uri url, string email, StoredLogin? kept, CancellationToken cancellationToken)
    {
        var password = Prompt.Secret("Password: ") ?? throw new CliException("no password given", ExitCodes.Usage);
        using var client = new WrennClient(new WrennClientOptions { BaseUrl = url });
        var session = await client.Auth.LoginAsync(email, password, cancellationToken).ConfigureAwait(false);
        return new StoredLogin(url.ToString(), kept?.ApiKey, session.Token, session.ExpiresAt, session.Email);
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
