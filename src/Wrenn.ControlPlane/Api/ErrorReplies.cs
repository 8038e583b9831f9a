using System.Text.Json;
using Grpc.Core;
using Wrenn.ControlPlane.Guest;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Writes every failure as the contract's error body, and maps the typed failures of the layers
/// below (capsule runtime, guest agent) to codes. Unexpected exceptions are logged with the request
/// id and answered 500 without their text.
/// </summary>
internal sealed partial class ErrorReplies(RequestDelegate next, ILogger<ErrorReplies> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Request.Body = ClientBody.Of(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var error = Translate(exception, context.RequestAborted);
            if (error is null)
            {
                return;
            }

            if (error.Code == ApiErrorCode.InternalError)
            {
                LogUnexpected(logger, exception);
            }
            else if (error.Code == ApiErrorCode.AgentError)
            {
                // For operators only: what the host saw (status and detail), never sent to the client.
                LogAgentFailure(logger, exception.GetType().Name, exception.Message);
            }

            await WriteAsync(context, error).ConfigureAwait(false);
        }
    }

    /// <summary>The API failure an exception stands for; null when the client went away.</summary>
    public static ApiException? Translate(Exception exception, CancellationToken requestAborted) => exception switch
    {
        _ when requestAborted.IsCancellationRequested => null,
        ApiException api => api,
        CapsuleException capsule => FromCapsule(capsule),
        HostUnavailableException => new ApiException(ApiErrorCode.HostUnavailable, "the capsule's host is unreachable") { RetryAfterSeconds = 5 },
        RpcException rpc => GuestFailures.Translate(rpc),
        BadHttpRequestException { StatusCode: 413 } => new ApiException(ApiErrorCode.TooLarge, "request body too large"),
        BadHttpRequestException => ApiException.Invalid("malformed request"),
        _ => new ApiException(ApiErrorCode.InternalError, "internal error"),
    };

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        var response = context.Response;
        var allow = response.Headers.Allow;
        response.Clear();
        RequestIds.Echo(context);
        response.Headers.Allow = allow;
        response.StatusCode = error.Status ?? ApiErrorCodes.StatusOf(error.Code);
        if (error.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (E2b.E2bErrors.Claims(context))
        {
            await E2b.E2bErrors.WriteAsync(context, response.StatusCode, error.Message).ConfigureAwait(false);
            return;
        }

        response.ContentType = ApiJson.ContentType;
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("code", ApiErrorCodes.NameOf(error.Code));
        writer.WriteString("message", error.Message);
        writer.WriteString("request_id", RequestIds.Of(context));
        foreach (var (key, value) in error.Extra ?? new Dictionary<string, string>())
        {
            writer.WriteString(key, value);
        }

        WriteCapsuleIds(writer, error.CapsuleIds);
        writer.WriteEndObject();
        WriteCapsuleIds(writer, error.CapsuleIds);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteCapsuleIds(Utf8JsonWriter writer, IReadOnlyList<string>? ids)
    {
        if (ids is null)
        {
            return;
        }

        writer.WriteStartArray("capsule_ids");
        foreach (var id in ids)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }

    /// <summary>The API error for a failed capsule step (also used for the failure of a create or resume finished in the background).</summary>
    public static ApiException FromCapsule(CapsuleException exception) => exception.Failure switch
    {
        CapsuleFailure.UnknownTemplate => ApiException.NotFound("template"),
        CapsuleFailure.NotFound => ApiException.NotFound("capsule"),
        CapsuleFailure.WrongState => ApiException.State("the capsule's status does not allow this operation"),
        CapsuleFailure.BootFailed => new ApiException(ApiErrorCode.AgentError, "the capsule failed to start"),
        CapsuleFailure.PauseFailed => new ApiException(ApiErrorCode.AgentError, "saving the capsule failed; it is still running"),
        CapsuleFailure.SnapshotCorrupt => new ApiException(ApiErrorCode.SnapshotCorrupt, "the capsule's snapshot is damaged"),
        CapsuleFailure.StoreUnavailable => new ApiException(ApiErrorCode.StoreUnavailable, "the snapshot store cannot be reached") { RetryAfterSeconds = 10 },
        CapsuleFailure.ResumeFailed => new ApiException(ApiErrorCode.AgentError, "the capsule could not be resumed; it is still paused"),
        CapsuleFailure.AgentFailed => new ApiException(ApiErrorCode.AgentError, "the guest agent failed"),
        _ => new ApiException(ApiErrorCode.AgentError, "the host agent failed"),
    };

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Capsule or guest agent failure: {Kind}: {Detail}")]
    private static partial void LogAgentFailure(ILogger logger, string kind, string detail);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Unexpected failure")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
