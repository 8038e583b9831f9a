using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Management;

/// <summary>
/// What the operator does on the server's machine, through its database rather than the API:
/// adding users when sign-up is off (spec §2.2).
/// </summary>
public static class LocalAdministration
{
    /// <summary>
    /// Creates a user with a personal team in the server's database (PostgreSQL at
    /// <paramref name="databaseUrl"/>, else SQLite in <paramref name="dataDirectory"/>); returns null,
    /// or what is wrong (bad input, email taken, no database).
    /// </summary>
    public static async Task<string?> AddUserAsync(
        string dataDirectory, string? databaseUrl, string email, string name, string password, bool admin, CancellationToken cancellationToken)
    {
        var (normalized, problem) = AccountRules.Check(email, password, name);
        if (problem is not null)
        {
            return problem;
        }

        await using var database = Database.For(databaseUrl, dataDirectory);
        try
        {
            if (!await database.HasSchemaAsync(cancellationToken).ConfigureAwait(false))
            {
                // Never a new database beside the server's: a mistyped directory or URL is the operator's to fix.
                return (databaseUrl is null ? $"no server database in {dataDirectory}" : "the database holds no server schema")
                    + " (start wrenn serve with it first, or name the right one with --data-dir, --database or --config)";
            }

            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var created = await new UserStore(database, TimeProvider.System)
                .CreateAsync(normalized, name.Trim(), AccountRules.Hash(password), admin, cancellationToken).ConfigureAwait(false);
            return created is null ? "that email is already registered" : null;
        }
        catch (System.Data.Common.DbException exception)
        {
            return $"cannot use the server database: {exception.Message}";
        }
    }
}
