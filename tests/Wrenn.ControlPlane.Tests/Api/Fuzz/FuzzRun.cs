using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Api.Fuzz;

/// <summary>What a fuzz run found: how many requests, how many answered 5xx, and every broken rule.</summary>
public sealed record FuzzReport(int Requests, int ServerErrors, IReadOnlyList<string> Violations);

/// <summary>
/// Sends malformed requests to a server one at a time and checks every answer: never a 5xx, every
/// error in the contract's JSON shape with the request's id, nothing internal (exception names,
/// stack frames, host paths) in it, and every request answered within its deadline.
/// </summary>
public static class FuzzRun
{
    private static readonly string[] Internals = ["Exception", "   at ", "System.", "Wrenn.", "StatusCode=", "/var/lib/", "/tmp/wrenn", "/tmp/wt."];

    public static async Task<FuzzReport> RunAsync(Uri server, MalformedRequests requests, int count, string dataDirectory)
    {
        var violations = new List<string>();
        var serverErrors = 0;
        for (var i = 0; i < count; i++)
        {
            var request = requests.Next();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            RawResponse response;
            try
            {
                response = await RawHttp.SendAsync(server.Host, server.Port, request, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or InvalidDataException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // A client that stops sending mid-body has gone: the server owes it no answer.
                if (request.Framing != BodyFraming.CutShort || exception is OperationCanceledException)
                {
                    violations.Add($"#{i} {request}: no answer ({exception.GetType().Name}: {exception.Message})");
                }

                continue;
            }

            if (response.Status >= 500)
            {
                serverErrors++;
            }

            if (Check(request, response, dataDirectory) is { } violation)
            {
                violations.Add($"#{i} {request}: {violation}");
            }
        }

        return new FuzzReport(count, serverErrors, violations);
    }

    /// <summary>
    /// Kestrel answers a request target with a NUL byte (<c>%00</c>) itself, before any application
    /// code runs: a bare 400 without a body or request id (docs/api-notes.md).
    /// </summary>
    private static bool IsProtocolRejection(RawRequest request, RawResponse response) =>
        response.Status == 400 && response.Body.Length == 0 && !response.Headers.ContainsKey("X-Request-Id")
        && request.Target.Contains("%00", StringComparison.Ordinal);

    private static string? Check(RawRequest request, RawResponse response, string dataDirectory)
    {
        var text = Encoding.UTF8.GetString(response.Body);
        if (response.Status >= 500)
        {
            return $"answered {response.Status}: {text}";
        }

        if (response.Status < 400 || request.Method == "HEAD" || IsProtocolRejection(request, response))
        {
            return null;
        }

        if (Internals.Append(dataDirectory).FirstOrDefault(text.Contains) is { } leaked)
        {
            return $"{response.Status} shows \"{leaked}\": {text}";
        }

        try
        {
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            var requestId = response.Headers.GetValueOrDefault("X-Request-Id");
            return error.GetProperty("code").ValueKind == JsonValueKind.String && error.GetProperty("message").ValueKind == JsonValueKind.String
                && requestId is not null && error.GetProperty("request_id").GetString() == requestId
                ? null
                : $"{response.Status} error body lacks code, message or the request id: {text}";
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{response.Status} is not the JSON error shape: {text}";
        }
    }
}
