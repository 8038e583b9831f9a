using System.Net;
using System.Text.Json;

namespace Wrenn.Client;

/// <summary>Turns an API error reply into the exception its code stands for.</summary>
internal static class ErrorReplies
{
    public static async Task<WrennApiException> ReadAsync(HttpResponseMessage reply, CancellationToken cancellationToken)
    {
        var body = await reply.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var requestId = reply.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null;
        var retryAfter = reply.Headers.RetryAfter?.Delta;
        return Create(reply.StatusCode, body, requestId, retryAfter);
    }

    /// <summary>The exception for an error reply; <paramref name="upgrade"/>: the reply refused a WebSocket upgrade.</summary>
    public static WrennApiException Create(HttpStatusCode status, ReadOnlySpan<byte> body, string? requestId, TimeSpan? retryAfter, bool upgrade = false)
    {
        var (code, message, capsuleIds) = Parse(body);
        if (code == WrennErrorCode.Unknown)
        {
            // Not the API's error shape (a proxy in between, say): the status alone decides.
            code = upgrade && status == HttpStatusCode.Conflict ? WrennErrorCode.InvalidState : CodeOf(status);
            message ??= $"the server answered {(int)status} {status}";
        }

        message ??= code.ToString();
        return code switch
        {
            WrennErrorCode.InvalidRequest => new InvalidRequestException(status, code, message, requestId, retryAfter),
            WrennErrorCode.Unauthorized => new UnauthorizedException(status, code, message, requestId, retryAfter),
            WrennErrorCode.Forbidden => new ForbiddenException(status, code, message, requestId, retryAfter),
            WrennErrorCode.NotFound => new NotFoundException(status, code, message, requestId, retryAfter),
            WrennErrorCode.Conflict or WrennErrorCode.HostHasCapsules
                => new ConflictException(status, code, message, requestId, retryAfter) { CapsuleIds = capsuleIds },
            WrennErrorCode.InvalidState => new InvalidStateException(status, code, message, requestId, retryAfter),
            WrennErrorCode.TooLarge => new TooLargeException(status, code, message, requestId, retryAfter),
            WrennErrorCode.RateLimited or WrennErrorCode.QuotaExceeded => new RateLimitedException(status, code, message, requestId, retryAfter),
            WrennErrorCode.AgentError or WrennErrorCode.PortUnreachable or WrennErrorCode.SnapshotCorrupt
                => new AgentException(status, code, message, requestId, retryAfter),
            WrennErrorCode.HostUnavailable or WrennErrorCode.NoHostsAvailable or WrennErrorCode.NotReady or WrennErrorCode.StoreUnavailable
                => new UnavailableException(status, code, message, requestId, retryAfter),
            WrennErrorCode.InsufficientStorage => new InsufficientStorageException(status, code, message, requestId, retryAfter),
            _ => new WrennApiException(status, code, message, requestId, retryAfter),
        };
    }

    /// <summary>The code a status stands for when the body does not say.</summary>
    private static WrennErrorCode CodeOf(HttpStatusCode status) => (int)status switch
    {
        400 => WrennErrorCode.InvalidRequest,
        401 => WrennErrorCode.Unauthorized,
        403 => WrennErrorCode.Forbidden,
        404 => WrennErrorCode.NotFound,
        405 => WrennErrorCode.MethodNotAllowed,
        409 => WrennErrorCode.Conflict,
        413 => WrennErrorCode.TooLarge,
        429 => WrennErrorCode.RateLimited,
        502 => WrennErrorCode.AgentError,
        503 => WrennErrorCode.HostUnavailable,
        507 => WrennErrorCode.InsufficientStorage,
        _ => WrennErrorCode.InternalError,
    };

    private static WrennErrorCode ParseCode(string? name) => WrennEnums.TryParse<WrennErrorCode>(name, out var code) ? code : WrennErrorCode.Unknown;

    private static (WrennErrorCode Code, string? Message, IReadOnlyList<CapsuleId> CapsuleIds) Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (WrennErrorCode.Unknown, null, []);
            }

            var code = error.TryGetProperty("code", out var name) && name.ValueKind == JsonValueKind.String
                ? ParseCode(name.GetString()) : WrennErrorCode.Unknown;
            var message = error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
            var capsules = error.TryGetProperty("capsule_ids", out var list) && list.ValueKind == JsonValueKind.Array
                ? ParseIds(list) : [];
            return (code, message, capsules);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return (WrennErrorCode.Unknown, null, []);
        }
    }

    /// <summary>The well-formed ids of <c>capsule_ids</c>: one odd entry must not cost the reply its error code.</summary>
    private static CapsuleId[] ParseIds(JsonElement list)
    {
        var ids = new List<CapsuleId>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String && CapsuleId.TryParse(entry.GetString(), out var id))
            {
                ids.Add(id);
            }
        }

        return [.. ids];
    }
}
