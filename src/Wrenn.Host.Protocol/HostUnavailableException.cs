namespace Wrenn.Host.Protocol;

/// <summary>The host could not be reached (or did not answer in time). The message is for logs.</summary>
public sealed class HostUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
