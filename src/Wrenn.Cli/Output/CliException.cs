namespace Wrenn.Cli;

/// <summary>A failure of the command line itself (not of the API), with the exit code it ends in.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
