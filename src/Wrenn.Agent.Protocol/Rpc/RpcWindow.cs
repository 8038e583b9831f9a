namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// Per-call flow control, the same each way: a sender may have this many message bytes unconsumed
/// at the receiver (plus the message that crossed the line), and the receiver hands credit back in
/// batches as its caller takes messages. A slow reader therefore slows its writer and nothing is
/// dropped; a peer that sends beyond its credit breaks the protocol.
/// </summary>
public static class RpcWindow
{
    public const int Bytes = 1024 * 1024;

    /// <summary>Credit goes back once this much was consumed: few Credit frames, and the sender never idles.</summary>
    public const int GrantThreshold = Bytes / 4;
}
