using System.Net;
using System.Text;

namespace Wrenn.Client.Tests.Errors;

public sealed class ErrorRepliesTests
{
    [Fact]
    public void HostHasCapsules_KeepsItsCode_AndTheWellFormedIds_WhenOneIdIsOdd()
    {
        var good = "cl-" + new string('1', 25);
        var body = Encoding.UTF8.GetBytes($$$"""{"error":{"code":"host_has_capsules","message":"host has capsules","request_id":"r1","capsule_ids":["{{{good}}}","nope",7]}}""");
        var error = Assert.IsType<ConflictException>(ErrorReplies.Create(HttpStatusCode.Conflict, body, "r1", null));
        Assert.Equal((WrennErrorCode.HostHasCapsules, "host has capsules"), (error.Code, error.Message));
        Assert.Equal([CapsuleId.Parse(good)], error.CapsuleIds);
    }

    [Fact]
    public void AReplyWithoutTheErrorShape_IsTypedByItsStatus()
    {
        var error = ErrorReplies.Create(HttpStatusCode.ServiceUnavailable, "<html>bad gateway</html>"u8, null, TimeSpan.FromSeconds(3));
        Assert.Equal((WrennErrorCode.HostUnavailable, TimeSpan.FromSeconds(3)), (Assert.IsType<UnavailableException>(error).Code, error.RetryAfter));
        Assert.DoesNotContain("html", error.Message, StringComparison.Ordinal);
    }
}
