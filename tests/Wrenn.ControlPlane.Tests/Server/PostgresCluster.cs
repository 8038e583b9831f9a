using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's postgresql package) for this test process, started on
/// first use under TMPDIR on a free loopback port and removed after the process exits. PostgreSQL
/// refuses to run as root, so its programs run as the <c>postgres</c> system user; it is stopped
/// by its own data directory, never by a process name.
/// </summary>
public sealed class PostgresCluster
{
    private const string Programs = "/usr/lib/postgresql/15/bin";
    private const string SystemUser = "postgres";
    private const string Role = "wrenn";

    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartAsync);

    private readonly string _password;
    private readonly int _port;

    private PostgresCluster(string password, int port)
    {
        _password = password;
        _port = port;
    }

    /// <summary>Whether the tests' servers use PostgreSQL (<c>WRENN_TEST_DATABASE=postgres</c>) rather than SQLite.</summary>
    public static bool Requested => Environment.GetEnvironmentVariable("WRENN_TEST_DATABASE") == "postgres";

    /// <summary>The test process's cluster, started by the first caller.</summary>
    public static Task<PostgresCluster> SharedAsync() => Shared.Value;

    /// <summary>A new, empty database; returns its <c>postgres://</c> URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "wrenn_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return $"postgres://{Role}:{_password}@127.0.0.1:{_port}/{name}";
    }

    private string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = _port, Username = Role, Password = _password, Database = database, Pooling = false }.ConnectionString;

    private static async Task<PostgresCluster> StartAsync()
    {
        // initdb and the server need to reach their directory: TMPDIR may be a 0700 directory of root's.
        var temporary = Path.GetTempPath();
        File.SetUnixFileMode(temporary, File.GetUnixFileMode(temporary) | UnixFileMode.OtherExecute);
        var root = Directory.CreateTempSubdirectory("wrenn-pg-").FullName;
        var data = Path.Combine(root, "data");
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(root, "password");
        await File.WriteAllTextAsync(passwordFile, password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await RunAsync("chown", "-R", SystemUser + ":", root);
        RemoveAfterExit(root, data);

        await RunAsync("runuser", "-u", SystemUser, "--", Path.Combine(Programs, "initdb"), "-D", data, "-U", Role, "--pwfile", passwordFile,
            "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync");
        var port = FreePorts.Next();
        // fsync off: a lost cluster is a failed test run, not lost data.
        await RunAsync("runuser", "-u", SystemUser, "--", Path.Combine(Programs, "pg_ctl"), "-D", data, "-l", Path.Combine(root, "server.log"), "-w",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");
        return new PostgresCluster(password, port);
    }

    /// <summary>
    /// Stops the cluster and deletes its directory once this process has ended, from a shell of its
    /// own: the test host is often killed rather than let exit, so no handler of its own would run.
    /// </summary>
    private static void RemoveAfterExit(string root, string data)
    {
        var watch = new ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "-c", """exec </dev/null >/dev/null 2>&1; while kill -0 "$1"; do sleep 1; done; runuser -u "$2" -- "$3/pg_ctl" -D "$4" stop -m immediate; rm -rf "$5" """,
                     "sh", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), SystemUser, Programs, data, root,
                 })
        {
            watch.ArgumentList.Add(argument);
        }

        Process.Start(watch)!.Dispose();
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}{await error}");
        }
    }
}
