namespace Wrenn.HostAgent.Memory;

/// <summary>A memory layer or chain that cannot be used: missing, damaged, or not matching its chain.</summary>
public sealed class MemoryLayerException : Exception
{
    public MemoryLayerException()
    {
    }

    public MemoryLayerException(string message)
        : base(message)
    {
    }

    public MemoryLayerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
