using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Management;

/// <summary>
/// What the operator does on the server's machine, through its data directory rather than the API:
/// adding users when sign-up is off (spec §2.2).
/// </summary>
public static class LocalAdministration
{
    /// <summary>Creates a user with a personal team; returns null, or what is wrong (bad input, email taken).</summary>
    public static async Task<string?> AddUserAsync(string dataDirectory, string email, string name, string password, bool admin, CancellationToken cancellationToken)
    {
        var (normalized, problem) = AccountRules.Check(email, password, name);
        if (problem is not null)
        {
            return problem;
        }

        var file = Path.Combine(dataDirectory, "wrenn.db");
        if (!File.Exists(file))
        {
            // Never a new database beside the server's: a mistyped directory is the operator's to fix.
            return $"no server database in {dataDirectory} (start wrenn serve with it first, or name the right one with --data-dir or --config)";
        }

        var database = new Database(file);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var created = await new UserStore(database, TimeProvider.System)
            .CreateAsync(normalized, name.Trim(), AccountRules.Hash(password), admin, cancellationToken).ConfigureAwait(false);
        return created is null ? "that email is already registered" : null;
    }
}
