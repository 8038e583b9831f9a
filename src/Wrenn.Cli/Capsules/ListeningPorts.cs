using System.Globalization;

namespace Wrenn.Cli.Capsules;

/// <summary>A TCP port a guest program listens on.</summary>
internal sealed record ListeningPort(int Port, string Address, string Url);

/// <summary>
/// Reads listening sockets from the guest kernel's <c>/proc/net/tcp</c> and <c>tcp6</c> tables
/// (state 0A is LISTEN), which need no tool in the template.
/// </summary>
internal static class ListeningPorts
{
    private const string Listen = "0A";

    public static IReadOnlyList<(int Port, string Address)> Parse(string tables)
    {
        var ports = new SortedDictionary<int, string>();
        foreach (var line in tables.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || fields[3] != Listen || fields[1].Split(':') is not [var address, var port])
            {
                continue;
            }

            var number = int.Parse(port, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var readable = Readable(address);
            // A wildcard listener says more than a loopback one on the same port.
            if (!ports.TryGetValue(number, out var known) || readable is "0.0.0.0" or "::")
            {
                ports[number] = known is "0.0.0.0" or "::" ? known : readable;
            }
        }

        return [.. ports.Select(pair => (pair.Key, pair.Value))];
    }

    /// <summary>The kernel writes addresses as hex words in host (little-endian) byte order.</summary>
    private static string Readable(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new System.Net.IPAddress(bytes).ToString();
    }
}
