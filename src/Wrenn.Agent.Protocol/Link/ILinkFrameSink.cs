namespace Wrenn.Agent.Protocol.Link;

/// <summary>What a <see cref="LinkFrameParser"/> finds in a byte stream.</summary>
public interface ILinkFrameSink
{
    /// <summary>
    /// A frame starts. Return true to take its payload (handed to <see cref="OnPayload"/>), false
    /// to skip only the header and keep searching inside what was to be its payload: a frame that
    /// is not wanted may have been cut short, and the next wanted header may follow right after.
    /// </summary>
    bool OnFrame(LinkFrameHeader header);

    /// <summary>Bytes of the payload of the frame last taken, in order, in as many pieces as they arrive.</summary>
    void OnPayload(ReadOnlySpan<byte> payload);
}
