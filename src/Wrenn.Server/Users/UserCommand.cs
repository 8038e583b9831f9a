using System.CommandLine;
using System.Text;
using Wrenn.Server.Serve.Settings;
using Wrenn.ControlPlane.Management;

namespace Wrenn.Server.Users;

/// <summary>
/// <c>wrenn user add</c>: creates a user in the server's database, for servers whose sign-up
/// is off. The password is read from standard input (typed without echo at a terminal).
/// </summary>
internal static class UserCommand
{
    public static Command Create()
    {
        var email = new Option<string>("--email") { Description = "The user's email (their login)", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name (default: the part of the email before @)" };
        var admin = new Option<bool>("--admin") { Description = "Make the user a platform admin" };
        var dataDirectory = new Option<string?>(ServeCatalog.DataDirectory.Flag) { Description = "The server's data directory, found as `wrenn serve` finds it" };
        var database = new Option<string?>(ServeCatalog.Database.Flag) { Description = "The server's PostgreSQL database, found as `wrenn serve` finds it" };
        var config = new Option<string?>("--config") { Description = "The server's JSON config file [env WRENN_CONFIG]" };
        var add = new Command("add", "Add a user (reads the password from standard input)") { email, name, admin, dataDirectory, database, config };
        add.SetAction(async (parse, cancellationToken) =>
        {
            var address = parse.GetValue(email)!;
            // The server's own resolution (flag > WRENN_* > config file > default): the same database.
            var reader = new SettingsReader();
            var flags = new Dictionary<Setting, IReadOnlyList<string>>();
            foreach (var (option, setting) in new[] { (dataDirectory, (Setting)ServeCatalog.DataDirectory), (database, ServeCatalog.Database) })
            {
                if (parse.GetValue(option) is { } given)
                {
                    flags[setting] = [given];
                }
            }

            var settings = reader.Read(flags, Environment.GetEnvironmentVariables(), parse.GetValue(config) ?? Environment.GetEnvironmentVariable("WRENN_CONFIG"));
            if (reader.Errors.Count > 0)
            {
                await Console.Error.WriteLineAsync("wrenn user add: " + string.Join("; ", reader.Errors)).ConfigureAwait(false);
                return 2;
            }

            var password = ReadPassword();
            var problem = await LocalAdministration.AddUserAsync(
                Path.GetFullPath(settings.Get(ServeCatalog.DataDirectory)), settings.Get(ServeCatalog.Database), address,
                parse.GetValue(name) ?? address.Split('@')[0], password, parse.GetValue(admin), cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync("wrenn user add: " + problem).ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync($"Added {address.Trim().ToLowerInvariant()}; they can log in now.").ConfigureAwait(false);
            return 0;
        });
        return new Command("user", "Manage the users of a server on its machine") { add };
    }

    private static string ReadPassword()
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine() ?? string.Empty;
        }

        Console.Error.Write("Password: ");
        var password = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return password.ToString();
    }
}
