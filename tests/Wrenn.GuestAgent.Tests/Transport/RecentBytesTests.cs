namespace Wrenn.GuestAgent.Tests.Transport;

public sealed class RecentBytesTests
{
    [Fact]
    public void KeepsTheLatestBytesInOrder_AcrossTheWrap()
    {
        var recent = new Wrenn.GuestAgent.Transport.RecentBytes(8);

        recent.Append("abcde"u8);
        recent.Append("fghij"u8);
        Assert.Equal("cdefghij"u8.ToArray(), recent.ToArray());

        recent.Append("0123456789XY"u8);
        Assert.Equal("456789XY"u8.ToArray(), recent.ToArray());

        recent.Clear();
        recent.Append("z"u8);
        Assert.Equal("z"u8.ToArray(), recent.ToArray());
    }
}
