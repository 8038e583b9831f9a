using System.Text;
using Wrenn.GuestAgent.Transport;

namespace Wrenn.GuestAgent.Tests.Transport;

public sealed class Http2PrefaceScannerTests
{
    [Fact]
    public void Scan_PrefaceAfterStaleBytes_ReturnsIndexPastIt()
    {
        var scanner = new Http2PrefaceScanner();
        var data = Encoding.ASCII.GetBytes("stale tail of an old session PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nFRAMES");

        var start = scanner.Scan(data);

        Assert.Equal("FRAMES", Encoding.ASCII.GetString(data, start, data.Length - start));
    }

    [Fact]
    public void Scan_PrefaceSplitAcrossReads_IsFound()
    {
        var scanner = new Http2PrefaceScanner();

        Assert.Equal(-1, scanner.Scan(Encoding.ASCII.GetBytes("xxPRI * HTTP/2")));
        Assert.Equal(12, scanner.Scan(Encoding.ASCII.GetBytes(".0\r\n\r\nSM\r\n\r\n")));
    }

    [Fact]
    public void Scan_OverlappingPartialMatch_StillFindsThePreface()
    {
        var scanner = new Http2PrefaceScanner();
        var data = Encoding.ASCII.GetBytes("PRI * HTTPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

        Assert.Equal(data.Length, scanner.Scan(data));
    }

    [Fact]
    public void Scan_NoPreface_ReturnsMinusOne()
    {
        Assert.Equal(-1, new Http2PrefaceScanner().Scan(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n")));
    }
}
