namespace Wrenn.SnapshotStore;

/// <summary>
/// What the store holds for a snapshot is missing, unreadable or not what its manifest says (a
/// checksum or a length differs). Retrying does not help; the snapshot cannot be restored from the
/// store. Messages name no paths or keys, as they may reach API clients.
/// </summary>
public sealed class SnapshotCorruptException : Exception
{
    public SnapshotCorruptException()
    {
    }

    public SnapshotCorruptException(string message)
        : base(message)
    {
    }

    public SnapshotCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
