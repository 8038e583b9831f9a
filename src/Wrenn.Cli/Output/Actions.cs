using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli;

/// <summary>
/// Runs client commands: the API's typed failures become one line on standard error (a JSON error
/// document with <c>--json</c>) and the documented exit code, never a stack trace.
/// </summary>
internal static class Actions
{
    /// <summary>The option every client command takes.</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON for scripts instead of tables", Recursive = true };

    /// <summary>
    /// Makes <paramref name="run"/> the command's action. <paramref name="failureCode"/>, when not 0, is the exit
    /// code of every failure (exec and shell keep the others for the remote command's own codes).
    /// </summary>
    public static void SetRun(this Command command, Func<Invocation, CancellationToken, Task<int>> run, int failureCode = 0)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var terminal = new Terminal(parse.GetValue(Json));
            using var invocation = new Invocation(parse, terminal);
            try
            {
                return await run(invocation, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Interrupted;
            }
            catch (Exception exception) when (Describe(exception) is { } failure)
            {
                Report(terminal, failure.Code, failure.Message, (exception as WrennApiException)?.RequestId);
                return failureCode != 0 ? failureCode : failure.ExitCode;
            }
        });
    }

    private static (string Code, string Message, int ExitCode)? Describe(Exception exception) => exception switch
    {
        WrennApiException api => (WrennEnums.NameOf(api.Code), api.Message, ExitCodeOf(api)),
        CliException cli => ("cli", cli.Message, cli.ExitCode),
        StreamStartException start => ("invalid_request", start.Message, ExitCodes.Usage),
        StreamInterruptedException interrupted => ("interrupted", interrupted.Message, ExitCodes.Conflict),
        WrennStreamException stream => ("stream_failed", stream.Message, ExitCodes.Failure),
        HttpRequestException http => ("connection_failed", $"cannot reach the Wrenn API: {http.Message}", ExitCodes.Unavailable),
        TimeoutException timeout => ("timeout", timeout.Message, ExitCodes.Unavailable),
        IOException io => ("io", io.Message, ExitCodes.Failure),
        UnauthorizedAccessException denied => ("io", denied.Message, ExitCodes.Failure),
        _ => null,
    };

    private static int ExitCodeOf(WrennApiException exception) => exception switch
    {
        UnauthorizedException or ForbiddenException => ExitCodes.Auth,
        NotFoundException => ExitCodes.NotFound,
        ConflictException or InvalidStateException => ExitCodes.Conflict,
        UnavailableException or RateLimitedException => ExitCodes.Unavailable,
        InvalidRequestException => ExitCodes.Usage,
        _ => ExitCodes.Failure,
    };

    private static void Report(Terminal terminal, string code, string message, string? requestId)
    {
        if (terminal.Json)
        {
            var error = new CliError(new CliErrorBody(code, message, requestId));
            using var stderr = Console.OpenStandardError();
            System.Text.Json.JsonSerializer.Serialize(stderr, error, CliJson.Default.CliError);
            stderr.WriteByte((byte)'\n');
            return;
        }

        Console.Error.WriteLine(requestId is null ? $"wrenn: {message}" : $"wrenn: {message} ({code}, request {requestId})");
    }
}

/// <summary>The <c>--json</c> error document on standard error: the API's error shape.</summary>
internal sealed record CliError(CliErrorBody Error);

internal sealed record CliErrorBody(string Code, string Message, string? RequestId);
