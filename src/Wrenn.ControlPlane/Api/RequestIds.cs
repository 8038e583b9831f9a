namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Gives every request an id (the client's <c>X-Request-Id</c> when it is 1–128 visible ASCII
/// characters), echoes it on the response and scopes the request's logs with it.
/// </summary>
internal sealed class RequestIds(RequestDelegate next, ILogger<RequestIds> logger)
{
    private const string Header = "X-Request-Id";
    private static readonly object Key = new();

    public static string Of(HttpContext context) => context.Items[Key] as string ?? context.TraceIdentifier;

    /// <summary>Puts the id on the response (again, after an error reply cleared the headers).</summary>
    public static void Echo(HttpContext context) => context.Response.Headers[Header] = Of(context);

    public async Task InvokeAsync(HttpContext context)
    {
        var sent = context.Request.Headers[Header].ToString();
        var id = IsAcceptable(sent) ? sent : Guid.NewGuid().ToString("N");
        context.Items[Key] = id;
        Echo(context);
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    private static bool IsAcceptable(string value) =>
        value.Length is >= 1 and <= 128 && value.All(c => c is > ' ' and <= '~');
}
