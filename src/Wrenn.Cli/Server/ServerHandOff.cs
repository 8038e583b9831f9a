using Wrenn.Linux.Spawn;

namespace Wrenn.Cli.Server;

/// <summary>
/// <c>wrenn serve</c>, <c>wrenn agent</c> and <c>wrenn user</c> are the server's: the command line
/// replaces itself with <c>wrenn-server</c> (same pid, terminal and signals), so client commands
/// never load ASP.NET Core and the server never pays for the client.
/// </summary>
internal static class ServerHandOff
{
    private static readonly string[] ServerCommands = ["serve", "agent", "user"];

    /// <summary>The name of the server's executable, installed next to <c>wrenn</c>.</summary>
    public const string ServerExecutable = "wrenn-server";

    public static bool Handles(string[] args) => args.Length > 0 && ServerCommands.Contains(args[0], StringComparer.Ordinal);

    /// <summary>Runs the server with <paramref name="args"/>; returns an exit code only when it cannot.</summary>
    public static int Run(string[] args)
    {
        var server = Locate();
        if (server is null)
        {
            Console.Error.WriteLine($"wrenn: {args[0]} needs {ServerExecutable}, which is not installed next to wrenn (or set WRENN_SERVER)");
            return ExitCodes.Failure;
        }

        try
        {
            ProcessImage.Replace(server, [server, .. args]);
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"wrenn: cannot start {ServerExecutable}: errno {exception.HResult}");
        }

        return ExitCodes.Failure;
    }

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("WRENN_SERVER") is { Length: > 0 } given)
        {
            return given;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, ServerExecutable);
        return File.Exists(beside) ? beside : null;
    }
}
