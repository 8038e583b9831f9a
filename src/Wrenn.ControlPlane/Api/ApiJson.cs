using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// The JSON conventions of the contract (spec §1.2): snake_case members, lowercase enums, UTC
/// millisecond timestamps with a Z, bodies parsed as JSON whatever their content type.
/// </summary>
internal static class ApiJson
{
    public const string ContentType = "application/json; charset=utf-8";
    public const int MaxBodyBytes = 1024 * 1024;

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static IResult Reply<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, Options, ContentType, status);

    /// <summary>
    /// Reads the request body as a JSON object of <typeparamref name="T"/>: empty means <c>{}</c>,
    /// unknown members are ignored, null means absent; anything else malformed is a 400, and a
    /// body over 1 MiB a 413. <paramref name="options"/>: another surface's JSON names (E2B's).
    /// </summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonSerializerOptions? options = null) where T : new()
    {
        var body = await ReadElementAsync(request).ConfigureAwait(false);
        try
        {
            return body is { } element ? element.Deserialize<T>(options ?? Options) ?? new T() : new T();
        }
        catch (JsonException exception)
        {
            throw new ApiException(ApiErrorCode.InvalidRequest, "malformed JSON body" + Where(exception), exception);
        }
    }

    /// <summary>The request body's JSON object; null when the body is empty. Malformed JSON, or anything but an object, is a 400; over 1 MiB a 413.</summary>
    public static async Task<JsonElement?> ReadElementAsync(HttpRequest request)
    {
        var body = await ReadBytesAsync(request).ConfigureAwait(false);
        if (body.Length == 0 || body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.Invalid("the request body must be a JSON object");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new ApiException(ApiErrorCode.InvalidRequest, "malformed JSON body" + Where(exception), exception);
        }
    }

    private static string Where(JsonException exception) =>
        exception.Path is { Length: > 2 } path ? $" at {path}" : string.Empty;

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiException(ApiErrorCode.TooLarge, "JSON bodies are limited to 1 MiB");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new ApiException(ApiErrorCode.TooLarge, "JSON bodies are limited to 1 MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            AllowTrailingCommas = false,
            // Responses are JSON, never HTML: "+" and non-ASCII text go out as themselves.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new TimestampConverter());
        return options;
    }

    /// <summary>RFC 3339 in UTC with milliseconds and a Z; any offset accepted on input.</summary>
    private sealed class TimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("timestamp expected"), CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
