using System.Text;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// Finds the HTTP/2 client connection preface in a byte stream. A virtio-serial port is one byte
/// stream across host reconnects, so after a session ends the port may still hold the tail of the
/// old one; the next session starts exactly where a new preface does.
/// </summary>
internal sealed class Http2PrefaceScanner
{
    public static readonly byte[] Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    // How many bytes of the preface the bytes seen so far end with.
    private int _matched;

    public void Reset() => _matched = 0;

    /// <summary>
    /// Scans <paramref name="data"/>; when the preface completes in it, returns the index just past
    /// the preface's last byte, else -1.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            _matched = Advance(_matched, data[i]);
            if (_matched == Preface.Length)
            {
                _matched = 0;
                return i + 1;
            }
        }

        return -1;
    }

    private static int Advance(int matched, byte next)
    {
        // The preface has no proper prefix that is also a suffix of a longer matched prefix except the
        // empty one and "\r\n"-based ones; a small fallback loop (KMP without a table) keeps it exact.
        while (true)
        {
            if (Preface[matched] == next)
            {
                return matched + 1;
            }

            if (matched == 0)
            {
                return 0;
            }

            matched = Fallback(matched);
        }
    }

    private static int Fallback(int matched)
    {
        for (var length = matched - 1; length > 0; length--)
        {
            if (Preface.AsSpan(0, length).SequenceEqual(Preface.AsSpan(matched - length, length)))
            {
                return length;
            }
        }

        return 0;
    }
}
