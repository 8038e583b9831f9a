namespace Wrenn.ControlPlane.Api;

/// <summary>
/// The limits on a request's target and headers, answered with the contract's JSON error (Kestrel,
/// whose own limits are set far above these, would answer with an empty body).
/// </summary>
internal sealed class RequestSizes(RequestDelegate next)
{
    public const int MaxTargetBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxTargetBytes)
        {
            throw new ApiException(ApiErrorCode.TooLarge, $"the request target is limited to {MaxTargetBytes} bytes") { Status = StatusCodes.Status414UriTooLong };
        }

        var headerBytes = 0L;
        foreach (var (name, values) in request.Headers)
        {
            headerBytes += name.Length;
            foreach (var value in values)
            {
                headerBytes += value?.Length ?? 0;
            }
        }

        return headerBytes > MaxHeaderBytes
            ? throw new ApiException(ApiErrorCode.TooLarge, $"request headers are limited to {MaxHeaderBytes} bytes") { Status = StatusCodes.Status431RequestHeaderFieldsTooLarge }
            : next(context);
    }
}
