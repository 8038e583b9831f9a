using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Api.Fuzz;

/// <summary>A route of the API as its OpenAPI document lists it, e.g. POST /v1/capsules/{id}/exec.</summary>
public sealed record Route(string Method, string Template)
{
    /// <summary>Every route of an OpenAPI document.</summary>
    public static IReadOnlyList<Route> FromOpenApi(JsonElement document) =>
    [
        .. document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => new Route(operation.Name.ToUpperInvariant(), path.Name))),
    ];
}

/// <summary>
/// A seeded generator of malformed requests over every route: wrong methods, junk path parameters
/// and queries, bodies of the wrong shape or type, truncated or broken JSON and multipart, bad
/// body framing, missing or junk credentials. One real capsule is addressed only by routes that
/// cannot end it (reads, exec, files), so that it must still be intact after the run.
/// </summary>
public sealed class MalformedRequests(IReadOnlyList<Route> routes, string capsuleId, string apiKey, int seed)
{
    private static readonly string[] CustomMethods = ["PROPFIND", "FOO", "BREW", "M-SEARCH", "X"];

    private static readonly string[] StandardMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    // Routes that may address the real capsule: none of them can stop, pause or delete it.
    private static readonly HashSet<string> HarmlessSuffixes = new(StringComparer.Ordinal)
    {
        "/exec", "/files/read", "/files/stream/read", "/files/write", "/files/stream/write", "/files/list", "/files/mkdir", "/ping",
    };

    private static readonly string[] FieldNames =
    [
        "cmd", "args", "envs", "cwd", "user", "timeout", "tag", "background", "stdin", "path", "depth", "recursive", "template",
        "vcpus", "memory_mb", "timeout_sec", "auto_resume", "metadata", "name", "capsule_id", "email", "password", "role", "team_id", "user_id",
        "expires_at", "overwrite", "signal", "cols", "rows",
    ];

    private readonly Random _random = new(seed);

    public RawRequest Next()
    {
        var route = routes[_random.Next(routes.Count)];
        var method = Pick(0.8) ? route.Method : Pick(0.6) ? StandardMethods[_random.Next(StandardMethods.Length)] : CustomMethods[_random.Next(CustomMethods.Length)];
        var harmless = method is "GET" or "HEAD" or "OPTIONS" || (method == "POST" && HarmlessSuffixes.Any(route.Template.EndsWith));
        var target = Target(route.Template, harmless);
        var headers = new List<KeyValuePair<string, string>> { new("Host", "127.0.0.1") };
        if (Pick(0.85))
        {
            headers.Add(new("X-API-Key", apiKey));
        }
        else if (Pick(0.5))
        {
            // Junk credentials, but valid header text (a control character is Kestrel's bare 400).
            var junk = new string([.. Junk().Where(c => !char.IsControl(c))]);
            headers.Add(Pick(0.5) ? new("X-API-Key", junk) : new("Authorization", "Bearer " + junk));
        }

        var (contentType, body) = route.Template.EndsWith("/write", StringComparison.Ordinal) && Pick(0.7) ? Multipart() : (JsonContentType(), Mangle(Json()));
        if (contentType is not null)
        {
            headers.Add(new("Content-Type", contentType));
        }

        var framing = Pick(0.7) ? BodyFraming.ContentLength : (BodyFraming)_random.Next(1, 5);
        return new RawRequest(method, target, headers, method is "GET" or "HEAD" && Pick(0.7) ? [] : body, framing);
    }

    private string Target(string template, bool harmless)
    {
        var segments = template.Split('/').Select(segment => segment switch
        {
            "{id}" when harmless && Pick(0.8) => capsuleId,
            ['{', ..] => Uri.EscapeDataString(Junk()),
            _ when Pick(0.03) => segment.ToUpperInvariant(),
            _ => segment,
        });
        var path = string.Join('/', segments);
        if (Pick(0.05))
        {
            path += "/" + Uri.EscapeDataString(Junk());
        }

        return Pick(0.3) ? path + "?" + Query() : path;
    }

    private string Query()
    {
        var names = new[] { "status", "limit", "offset", "cursor", "path", "depth", "range", "since", "overwrite", "tag", "stdin", "metadata" };
        return string.Join('&', Enumerable.Range(0, _random.Next(1, 5)).Select(_ =>
            $"{names[_random.Next(names.Length)]}={Uri.EscapeDataString(Junk())}"));
    }

    private string? JsonContentType() => _random.Next(8) switch
    {
        0 => null,
        1 => "text/plain",
        2 => "application/json; charset=latin1",
        3 => "multipart/form-data",
        _ => "application/json",
    };

    /// <summary>A JSON object of the API's field names with values of every type, some nested deep.</summary>
    private byte[] Json()
    {
        if (Pick(0.1))
        {
            return Encoding.UTF8.GetBytes(new string('[', 100 + _random.Next(2000)));
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            if (Pick(0.1))
            {
                Value(writer, 0);
            }
            else
            {
                writer.WriteStartObject();
                foreach (var _ in Enumerable.Range(0, _random.Next(0, 6)))
                {
                    writer.WritePropertyName(Pick(0.9) ? FieldNames[_random.Next(FieldNames.Length)] : Junk());
                    Value(writer, 0);
                }

                writer.WriteEndObject();
            }
        }

        return buffer.ToArray();
    }

    private void Value(Utf8JsonWriter writer, int depth)
    {
        switch (_random.Next(depth > 3 ? 7 : 9))
        {
            case 0: writer.WriteNullValue(); break;
            case 1: writer.WriteBooleanValue(Pick(0.5)); break;
            case 2: writer.WriteNumberValue(_random.Next(5) switch { 0 => -1, 1 => 0, 2 => int.MaxValue, 3 => long.MaxValue, _ => _random.Next(1, 5000) }); break;
            case 3: writer.WriteRawValue(Pick(0.5) ? "1e309" : "-0.5", skipInputValidation: true); break;
            case 4 or 5: writer.WriteStringValue(Pick(0.3) ? Path() : Junk()); break;
            case 6: writer.WriteStringValue(Pick(0.5) ? "/bin/true" : "/bin/echo"); break;
            case 7:
                writer.WriteStartArray();
                // Long arrays (thousands of args) hold scalars only, so a body stays small.
                var length = depth == 0 && Pick(0.05) ? 5000 : _random.Next(0, 4);
                foreach (var _ in Enumerable.Range(0, length))
                {
                    Value(writer, length > 4 ? 4 : depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStartObject();
                foreach (var _ in Enumerable.Range(0, _random.Next(0, 4)))
                {
                    writer.WritePropertyName(Junk());
                    Value(writer, depth + 1);
                }

                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>Multipart bodies for files/write: parts missing, repeated, reordered, oversized or cut.</summary>
    private (string?, byte[]) Multipart()
    {
        const string Boundary = "fuzz-boundary";
        var body = new StringBuilder();
        var parts = _random.Next(5) switch
        {
            0 => new[] { "file", "path" },
            1 => ["path", "path", "file"],
            2 => ["path", "file", "file"],
            3 => ["file"],
            _ => ["path", "file"],
        };
        foreach (var part in parts)
        {
            body.Append(CultureInfo.InvariantCulture, $"--{Boundary}\r\n");
            body.Append(CultureInfo.InvariantCulture, $"Content-Disposition: form-data; name=\"{(Pick(0.9) ? part : Junk())}\"\r\n\r\n");
            body.Append(part == "path" ? (Pick(0.1) ? new string('p', 5000) : "/tmp/fuzz-part-" + _random.Next(100)) : Junk()).Append("\r\n");
        }

        if (Pick(0.7))
        {
            body.Append(CultureInfo.InvariantCulture, $"--{Boundary}--\r\n");
        }

        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        var contentType = Pick(0.9) ? $"multipart/form-data; boundary={Boundary}" : "multipart/form-data";
        return (contentType, Pick(0.2) ? bytes[..(bytes.Length / 2)] : bytes);
    }

    /// <summary>Truncates, corrupts or leaves the body as it is.</summary>
    private byte[] Mangle(byte[] body) => _random.Next(6) switch
    {
        0 when body.Length > 1 => body[.._random.Next(1, body.Length)],
        1 when body.Length > 0 => [.. body[.._random.Next(body.Length)], 0xC3, 0x28, .. body[_random.Next(body.Length)..]],
        _ => body,
    };

    private string Path() => _random.Next(8) switch
    {
        0 => "",
        1 => "relative/path",
        2 => "/proc/cpuinfo",
        3 => "/tmp/../tmp/fuzz-" + _random.Next(100),
        4 => "/dev/null",
        5 => "/tmp/fuzz\0nul",
        6 => "/" + new string('d', 5000),
        _ => "/tmp/fuzz-" + _random.Next(100),
    };

    private string Junk() => _random.Next(12) switch
    {
        0 => "",
        1 => " ",
        2 => "-1",
        3 => "99999999999999999999999",
        4 => "ünïcødé-✓",
        5 => "../../etc/passwd",
        6 => "a\0b",
        7 => new string('x', _random.Next(200, 3000)),
        8 => "%ZZ",
        9 => "cap-" + _random.Next(1000),
        10 => "null",
        _ => Convert.ToHexStringLower(BitConverter.GetBytes(_random.NextInt64())),
    };

    private bool Pick(double probability) => _random.NextDouble() < probability;
}
