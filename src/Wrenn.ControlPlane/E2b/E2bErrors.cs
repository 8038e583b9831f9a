using System.Text.Json;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// The error shape of E2B's REST surfaces, <c>{"code":&lt;status&gt;,"message":…}</c>: its SDKs
/// branch on the body's integer <c>code</c> (a 404 body makes <c>kill()</c> answer false, a 409 one
/// makes <c>pause()</c> answer false), so a request claimed by the E2B surface never gets Wrenn's
/// <c>{"error":{…}}</c>. <see cref="ErrorReplies"/> asks <see cref="Claims"/> before writing.
/// </summary>
internal static class E2bErrors
{
    private const string Claim = "wrenn.e2b.errors";

    /// <summary>From now on this request's failures are written in E2B's shape.</summary>
    public static void ClaimFor(HttpContext context) => context.Items[Claim] = true;

    public static bool Claims(HttpContext context) => context.Items.ContainsKey(Claim);

    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ApiJson.ContentType;
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("code", status);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// E2B's proxy reply for a sandbox that is not running, on any of its ports: 502 with the
    /// sandbox's id (its SDKs read that as "not running").
    /// </summary>
    public static async Task WriteSandboxGoneAsync(HttpContext context, string id)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status502BadGateway;
        response.ContentType = ApiJson.ContentType;
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("sandboxId", id);
        writer.WriteString("message", "The sandbox was not found");
        writer.WriteNumber("code", StatusCodes.Status502BadGateway);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
