using System.Text;

namespace Wrenn.Client.Tests.Streams;

/// <summary>Reading the stream protocols' server messages (no server needed).</summary>
public sealed class StreamMessageTests
{
    [Fact]
    public void Base64Output_IsDecoded_EvenWhenDataComesBeforeType()
    {
        var message = StreamMessage.Parse("""{"data":"AP8K","type":"output"}"""u8, base64Output: true);
        Assert.Equal(StreamMessageType.Output, message.Type);
        Assert.Equal(new byte[] { 0, 255, 10 }, message.Bytes);
    }

    [Fact]
    public void AnErrorsData_IsText_InABase64Stream()
    {
        var message = StreamMessage.Parse("""{"type":"error","data":"capsule paused","fatal":true}"""u8, base64Output: true);
        Assert.Equal((StreamMessageType.Error, "capsule paused", true, null), (message.Type, message.Text, message.Fatal, message.Bytes));
    }

    [Fact]
    public void StartAndExit_CarryTheirMembers_AndUnknownOnesAreSkipped()
    {
        var start = StreamMessage.Parse("""{"type":"start","pid":812,"tag":"proc-1a2b3c4d","extra":{"nested":[1,2]}}"""u8, base64Output: false);
        Assert.Equal((StreamMessageType.Start, 812, "proc-1a2b3c4d"), (start.Type, start.Pid, start.Tag));
        var exit = StreamMessage.Parse("""{"type":"exit","exit_code":124,"timed_out":true}"""u8, base64Output: false);
        Assert.Equal((StreamMessageType.Exit, 124, true), (exit.Type, exit.ExitCode, exit.TimedOut));
        Assert.Equal(StreamMessageType.Unknown, StreamMessage.Parse("""{"type":"newer"}"""u8, base64Output: false).Type);
    }

    [Fact]
    public void TextOutput_IsUnescaped_AndAMalformedMessageIsAStreamFailure()
    {
        var message = StreamMessage.Parse(Encoding.UTF8.GetBytes("""{"type":"stdout","data":"h\u00e9\n"}"""), base64Output: false);
        Assert.Equal("hé\n", new ExecOutput(OutputStreamKind.Stdout, message.Bytes, message.Text).Text);
        Assert.Equal("hé\n"u8.ToArray(), new ExecOutput(OutputStreamKind.Stdout, message.Bytes, message.Text).Data.ToArray());
        Assert.Throws<WrennStreamException>(() => StreamMessage.Parse("""{"type":"output","data":"not base64!"}"""u8, base64Output: true));
        Assert.Throws<WrennStreamException>(() => StreamMessage.Parse("[1]"u8, base64Output: true));
    }
}
