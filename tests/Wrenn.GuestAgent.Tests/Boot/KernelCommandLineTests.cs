using Wrenn.GuestAgent.Boot;
using Wrenn.GuestAgent.Transport;

namespace Wrenn.GuestAgent.Tests.Boot;

public sealed class KernelCommandLineTests
{
    [Fact]
    public void Parse_TakesWrennParameters()
    {
        var line = KernelCommandLine.Parse("console=ttyS0 quiet wrenn.secret=abc123 wrenn.link=vsock:1024 root=/dev/vda\n");

        Assert.Equal("abc123", line.Secret);
        Assert.Equal(1024u, HostLinkEndPoint.Parse(line.Link)!.VsockPort);
    }

    [Fact]
    public void Parse_WithoutLink_DefaultsToTheVirtioPort()
    {
        var line = KernelCommandLine.Parse("console=ttyS0");

        Assert.Equal(string.Empty, line.Secret);
        Assert.Equal("wrenn-agent", HostLinkEndPoint.Parse(line.Link)!.VirtioPortName);
    }

    [Theory]
    [InlineData("vsock:notanumber")]
    [InlineData("serial:x")]
    [InlineData("virtio:")]
    public void HostLink_Malformed_IsNull(string text) => Assert.Null(HostLinkEndPoint.Parse(text));
}
