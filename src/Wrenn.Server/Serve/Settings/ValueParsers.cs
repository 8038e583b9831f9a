using System.Globalization;
using System.Net;

namespace Wrenn.Server.Serve.Settings;

/// <summary>Parsers for setting values; each throws <see cref="FormatException"/> saying what is wrong.</summary>
internal static class ValueParsers
{
    public static bool Bool(string raw) => raw.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new FormatException($"'{raw}' is not true or false"),
    };

    public static Func<string, int> Int(int min, int max) => raw =>
        int.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{raw}' is not a whole number from {min} to {max}");

    public static Func<string, double> Number(double min, double max) => raw =>
        double.TryParse(raw.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{raw}' is not a number from {min} to {max}");

    /// <summary>A byte count, optionally with a binary unit: 512M, 20G, 1T (K, M, G, T; a trailing B or iB is allowed).</summary>
    public static long Bytes(string raw)
    {
        var text = raw.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant().Replace("IB", string.Empty, StringComparison.Ordinal).TrimEnd('B');
        var shift = text.Length == 0 ? 0 : text[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 0 && value < (1L << (62 - shift))
            ? value << shift
            : throw new FormatException($"'{raw}' is not a size (a number of bytes, or with K, M, G or T)");
    }

    public static string Path(string raw) =>
        raw.Trim().Length > 0 ? System.IO.Path.GetFullPath(raw.Trim()) : throw new FormatException("the path is empty");

    /// <summary>A path, or <c>none</c> for a feature the operator turns off.</summary>
    public static string? PathOrNone(string raw) =>
        raw.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? null : Path(raw);

    /// <summary>A URL path such as <c>/e2b</c> (letters, digits, <c>-</c>, <c>_</c>, <c>/</c>), or <c>none</c>.</summary>
    public static string? UrlPathOrNone(string raw)
    {
        var path = raw.Trim().TrimEnd('/');
        if (path.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return path.Length > 1 && path[0] == '/' && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/') && !path.Contains("//", StringComparison.Ordinal)
            ? path
            : throw new FormatException("expected a path such as /e2b, or none");
    }

    /// <summary>Where to listen: <c>host:port</c> with an IP address or <c>localhost</c>, IPv6 in brackets.</summary>
    public static IPEndPoint ListenAddress(string raw)
    {
        var text = raw.Trim();
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            var host = text[..colon].Trim('[', ']');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return new IPEndPoint(IPAddress.Loopback, port);
            }

            if (IPAddress.TryParse(host, out var address))
            {
                return new IPEndPoint(address, port);
            }
        }

        throw new FormatException($"'{raw}' is not an address to listen on (host:port, the host an IP address or localhost)");
    }

    /// <summary>An absolute http(s) URL, e.g. the control plane's.</summary>
    public static Uri HttpUrl(string raw) =>
        Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new FormatException($"'{raw}' is not an http:// or https:// URL");

    /// <summary>Where others reach this machine: <c>host:port</c>, the host a DNS name or an IP address.</summary>
    public static string HostAndPort(string raw)
    {
        var text = raw.Trim();
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : string.Empty;
        return colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            && Uri.CheckHostName(host) != UriHostNameType.Unknown
            ? text
            : throw new FormatException($"'{raw}' is not host:port");
    }

    /// <summary>A <c>postgres://</c> or <c>postgresql://</c> URL; empty: none (SQLite). The message never repeats the URL: it may hold a password.</summary>
    public static string? PostgresUrl(string raw)
    {
        var text = raw.Trim();
        if (text.Length > 0)
        {
            ControlPlane.Storage.PostgresUrl.ToConnectionString(text);
        }

        return text.Length > 0 ? text : null;
    }

    /// <summary>A snapshot store: an absolute directory path or s3://bucket[/prefix].</summary>
    public static string SnapshotStore(string raw)
    {
        var value = raw.Trim();
        return value.StartsWith("s3://", StringComparison.Ordinal) && value.Length > "s3://".Length ? value
            : value.StartsWith('/') ? Path(value)
            : throw new FormatException($"'{raw}' is neither an absolute directory nor s3://bucket[/prefix]");
    }

    public static Func<string, string> OneOf(params string[] choices) => raw =>
        choices.FirstOrDefault(choice => choice.Equals(raw.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new FormatException($"'{raw}' is not one of {string.Join(", ", choices)}");

    public static Func<string, string> Secret(int minLength) => raw =>
        raw.Trim().Length >= minLength ? raw.Trim() : throw new FormatException($"it must be at least {minLength} characters long");

    public static string DomainName(string raw)
    {
        var text = raw.Trim().TrimEnd('.').ToLowerInvariant();
        return Uri.CheckHostName(text) == UriHostNameType.Dns ? text : throw new FormatException($"'{raw}' is not a domain name");
    }

    /// <summary>An IPv4 range in CIDR notation (<c>10.1.0.0/16</c>) or one address (a /32).</summary>
    public static IPNetwork Ipv4Range(string raw)
    {
        var text = raw.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        // TryParse clears bits set after the prefix; a range written so is more likely a typo.
        return IPNetwork.TryParse(slash >= 0 ? text : text + "/32", out var range)
            && range.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && range.BaseAddress.ToString() == (slash >= 0 ? text[..slash] : text)
            ? range
            : throw new FormatException($"'{raw}' is not an IPv4 address or range such as 10.1.0.0/16 (with no bits set after the prefix; capsules have no IPv6)");
    }

    public static IPAddress Ipv4Address(string raw) =>
        IPAddress.TryParse(raw.Trim(), out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? address
            : throw new FormatException($"'{raw}' is not an IPv4 address");

    /// <summary>Splits an environment or file value into list items (commas; whitespace around them ignored).</summary>
    public static IEnumerable<string> Items(string raw) => raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
