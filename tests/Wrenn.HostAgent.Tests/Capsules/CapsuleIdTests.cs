using Wrenn.Host.Protocol;

namespace Wrenn.HostAgent.Tests.Capsules;

public sealed class CapsuleIdTests
{
    [Fact]
    public void New_HasTheSpecFormat_AndIsUnique()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => CapsuleId.New().Value).ToList();

        Assert.All(ids, id => Assert.Matches("^cl-[0-9a-z]{25}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("cl-0k3v9x2m4n5p6q7r8s9t0u1v2", true)]
    [InlineData("cl-0K3V9X2M4N5P6Q7R8S9T0U1V2", false)]
    [InlineData("cl-0k3v9x2m4n5p6q7r8s9t0u1v", false)]
    [InlineData("sb-0k3v9x2m4n5p6q7r8s9t0u1v2", false)]
    [InlineData(null, false)]
    public void TryParse_AcceptsOnlyTheSpecFormat(string? text, bool valid) => Assert.Equal(valid, CapsuleId.TryParse(text, out _));
}
