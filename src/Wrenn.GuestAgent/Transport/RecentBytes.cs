namespace Wrenn.GuestAgent.Transport;

/// <summary>The last <c>capacity</c> bytes of a stream, oldest first (a ring; appends copy spans).</summary>
internal sealed class RecentBytes(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private int _end; // Where the next byte goes.
    private int _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > capacity)
        {
            data = data[^capacity..];
        }

        var first = Math.Min(data.Length, capacity - _end);
        data[..first].CopyTo(_ring.AsSpan(_end));
        data[first..].CopyTo(_ring);
        _end = (_end + data.Length) % capacity;
        _count = Math.Min(capacity, _count + data.Length);
    }

    public void Clear() => _count = 0;

    public byte[] ToArray()
    {
        var result = new byte[_count];
        var start = (_end - _count + capacity) % capacity;
        var first = Math.Min(_count, capacity - start);
        _ring.AsSpan(start, first).CopyTo(result);
        _ring.AsSpan(0, _count - first).CopyTo(result.AsSpan(first));
        return result;
    }
}
