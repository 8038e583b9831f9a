using System.Text;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Guest;

internal sealed record ExecReply(
    string SandboxId, string Cmd, int Pid, string Tag, string Stdout, string Stderr, int ExitCode, long DurationMs, string Encoding, bool TimedOut, bool Truncated);

internal sealed record BackgroundReply(string SandboxId, string Cmd, int Pid, string Tag);

/// <summary>POST /v1/capsules/{id}/exec, foreground and background (spec §4.8).</summary>
internal static class ExecEndpoints
{
    private const long OutputCap = 16L * 1024 * 1024;
    private const int TimedOutExitCode = 124;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost("/v1/capsules/{id}/exec", ExecAsync).Body<ExecRequest>().Produces<ExecReply>().Produces<BackgroundReply>(202);

    private static async Task<IResult> ExecAsync(Caller caller, string id, HttpRequest http, GuestAccess access)
    {
        var body = await ApiJson.ReadAsync<ExecRequest>(http).ConfigureAwait(false);
        var background = body.Background ?? false;
        var timeout = body.TimeoutSec ?? 0;
        if (background)
        {
            Require(timeout is >= 0 and <= 86400, "timeout_sec must be between 0 and 86400 for background processes");
        }
        else
        {
            timeout = timeout == 0 ? 30 : timeout;
            Require(timeout is >= 1 and <= 3600, "timeout_sec must be between 1 and 3600");
        }

        var start = ProcessRequests.ToStart(body, background ? ProcessKind.Background : ProcessKind.Exec, (uint)timeout, "proc-");
        using var session = await access.OpenAsync(caller, id, http.HttpContext.RequestAborted).ConfigureAwait(false);
        try
        {
            return background ? await StartBackgroundAsync(session, start).ConfigureAwait(false) : await RunAsync(session, start).ConfigureAwait(false);
        }
        catch (RpcException exception) when (!http.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw session.Fail(exception, exception.StatusCode == StatusCode.Cancelled ? null : start.Cmd);
        }
    }

    private static async Task<IResult> RunAsync(GuestSession session, StartRequest start)
    {
        CommandResult result;
        try
        {
            result = await session.Agent.RunAsync(start, session.Token, OutputCap, killOnCancel: false).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException && session.Scope.Reason == CloseReason.None)
        {
            // The client went away: its process goes too (a pause, instead, keeps it in the snapshot).
            await session.KillAsync(start.Tag).ConfigureAwait(false);
            throw;
        }

        var (stdout, stderr, encoding) = Encode(result.Stdout, result.Stderr);
        return ApiJson.Reply(new ExecReply(
            session.Record.Id, start.Cmd, result.Pid, result.Tag, stdout, stderr, result.TimedOut ? TimedOutExitCode : result.ExitCode,
            (long)result.Duration.TotalMilliseconds, encoding, result.TimedOut, result.Truncated));
    }

    private static async Task<IResult> StartBackgroundAsync(GuestSession session, StartRequest start)
    {
        using var call = session.Agent.Processes.Start(start, cancellationToken: session.Token);
        await foreach (var message in call.ResponseStream.ReadAllAsync(session.Token).ConfigureAwait(false))
        {
            if (message.EventCase == ProcessEvent.EventOneofCase.Started)
            {
                return ApiJson.Reply(new BackgroundReply(session.Record.Id, start.Cmd, message.Started.Pid, message.Started.Tag), StatusCodes.Status202Accepted);
            }
        }

        throw new ApiException(ApiErrorCode.AgentError, "the guest agent did not start the process");
    }

    /// <summary>Both streams as UTF-8 text when both are valid UTF-8, else both as base64.</summary>
    public static (string Stdout, string Stderr, string Encoding) Encode(byte[] stdout, byte[] stderr)
    {
        try
        {
            return (StrictUtf8.GetString(stdout), StrictUtf8.GetString(stderr), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            return (Convert.ToBase64String(stdout), Convert.ToBase64String(stderr), "base64");
        }
    }
}
