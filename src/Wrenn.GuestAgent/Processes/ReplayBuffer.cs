using Google.Protobuf;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// The most recent output of a process, up to a byte budget, for observers that attach later.
/// Whole chunks are dropped from the front; the caller synchronises.
/// </summary>
internal sealed class ReplayBuffer(int capacityBytes)
{
    private readonly Queue<OutputEvent> _chunks = new();
    private int _bytes;

    public void Add(OutputEvent chunk)
    {
        _chunks.Enqueue(chunk);
        _bytes += chunk.Data.Length;
        while (_bytes > capacityBytes && _chunks.Count > 1)
        {
            _bytes -= _chunks.Dequeue().Data.Length;
        }

        if (_bytes > capacityBytes)
        {
            // A single chunk bigger than the budget: keep its tail.
            var only = _chunks.Dequeue();
            var tail = only.Data.Span[^capacityBytes..];
            _chunks.Enqueue(only with { Data = ByteString.CopyFrom(tail) });
            _bytes = capacityBytes;
        }
    }

    public OutputEvent[] Snapshot() => [.. _chunks];
}
