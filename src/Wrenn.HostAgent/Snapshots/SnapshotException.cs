namespace Wrenn.HostAgent.Snapshots;

/// <summary>A snapshot that cannot be restored: files missing, truncated or corrupted.</summary>
public sealed class SnapshotException : Exception
{
    public SnapshotException()
    {
    }

    public SnapshotException(string message)
        : base(message)
    {
    }

    public SnapshotException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
