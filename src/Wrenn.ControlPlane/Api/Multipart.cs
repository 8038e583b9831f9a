using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Wrenn.ControlPlane.Api;

/// <summary>Streaming multipart/form-data requests: parts are read one at a time, never buffered whole.</summary>
internal static class Multipart
{
    /// <summary>A reader of the request's parts; a body that is not multipart/form-data is a 400 saying what is expected.</summary>
    public static MultipartReader Reader(HttpRequest request, string expected)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw ApiException.Invalid(expected);
        }

        return new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
    }

    /// <summary>The next part; a body that is not well-formed multipart (cut short, bad framing) is the client's 400.</summary>
    public static async Task<MultipartSection?> NextPartAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiException(ApiErrorCode.InvalidRequest, "malformed multipart body", exception);
        }
    }

    /// <summary>The form field name of a part.</summary>
    public static string? PartName(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section?.ContentDisposition, out var disposition)
            ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
            : null;
}
