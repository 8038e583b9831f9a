using Npgsql;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// The operator's way to name a PostgreSQL database:
/// <c>postgres://user:password@host:port/database?option=value</c> (or <c>postgresql://</c>).
/// User and password are percent-decoded; the port defaults to 5432; query options are Npgsql
/// connection-string keywords (e.g. <c>sslmode=require</c>).
/// </summary>
public static class PostgresUrl
{
    /// <summary>The Npgsql connection string the URL names; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static string ToConnectionString(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql") || uri.Host.Length == 0)
        {
            throw new FormatException("not a postgres://user:password@host:port/database URL");
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException("the URL names no database (postgres://user:password@host:port/database)");
        }

        var credentials = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.DnsSafeHost,
            Port = uri.Port > 0 ? uri.Port : NpgsqlConnection.DefaultPort,
            Database = database,
            Username = credentials[0].Length > 0 ? Uri.UnescapeDataString(credentials[0]) : null,
            Password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null,
        };
        foreach (var option in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = option.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (option, string.Empty);
            try
            {
                builder[key] = value;
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException)
            {
                // The value is not repeated: it may be a secret.
                throw new FormatException($"'{key}' is not an Npgsql connection option, or its value is not one it takes", exception);
            }
        }

        return builder.ConnectionString;
    }
}
