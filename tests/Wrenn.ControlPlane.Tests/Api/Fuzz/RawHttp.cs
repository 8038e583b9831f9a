using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Wrenn.ControlPlane.Tests.Api.Fuzz;

/// <summary>How a request's body goes on the wire: well framed, or broken on purpose.</summary>
public enum BodyFraming
{
    ContentLength,
    Chunked,
    /// <summary>A chunk size that is not hexadecimal.</summary>
    BadChunkSize,
    /// <summary>A chunk size too large for any integer.</summary>
    OverflowingChunkSize,
    /// <summary>Content-Length announces more than is sent, then the client stops sending.</summary>
    CutShort,
}

public sealed record RawRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, BodyFraming Framing)
{
    public override string ToString() =>
        $"{Method} {(Target.Length > 120 ? Target[..120] + "…" : Target)} [{Framing}, {Body.Length} bytes: {Preview(Body)}]";

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 160));
        return new string([.. text.Select(c => char.IsControl(c) ? '.' : c)]);
    }
}

public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// Sends one request over a fresh connection exactly as given, framing mistakes included (which
/// HttpClient would refuse to make), and reads the reply until the server closes the connection.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(string host, int port, RawRequest request, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encode(request), cancellationToken).ConfigureAwait(false);
            if (request.Framing == BodyFraming.CutShort)
            {
                // The end of the client's stream is what tells the server that the body ended early.
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything: its answer still counts.
        }

        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken).ConfigureAwait(false);
        return Parse(received.ToArray());
    }

    private static byte[] Encode(RawRequest request)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{request.Method} {request.Target} HTTP/1.1\r\n");
        foreach (var (name, value) in request.Headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("Connection: close\r\n");
        var body = request.Body;
        switch (request.Framing)
        {
            case BodyFraming.ContentLength:
                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
                return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
            case BodyFraming.CutShort:
                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length * 2 + 10}\r\n\r\n");
                return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
            default:
                head.Append("Transfer-Encoding: chunked\r\n\r\n");
                var size = request.Framing switch
                {
                    BodyFraming.BadChunkSize => "zz",
                    BodyFraming.OverflowingChunkSize => "FFFFFFFFFFFFFFFFFFFF",
                    _ => body.Length.ToString("x", CultureInfo.InvariantCulture),
                };
                return [.. Encoding.ASCII.GetBytes(head.Append(size).Append("\r\n").ToString()), .. body, .. "\r\n0\r\n\r\n"u8];
        }
    }

    private static RawResponse Parse(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidDataException($"no complete response head in {bytes.Length} bytes");
        }

        var lines = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = bytes[(end + 4)..];
        return new RawResponse(status, headers, headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
            ? Dechunk(body)
            : body);
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var content = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = body.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                // The server ended the connection inside its body: an answer cut short.
                throw new InvalidDataException($"chunked body cut short after {content.Length} bytes: {Encoding.UTF8.GetString(content.ToArray())}");
            }

            var size = int.Parse(Encoding.ASCII.GetString(body, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0)
            {
                return content.ToArray();
            }

            content.Write(body, position, size);
            position += size + 2;
        }
    }
}
