using System.Net;

namespace Wrenn.GuestAgent.Transport;

/// <summary>
/// The capsule's private byte stream to its host: a named virtio-serial port (QEMU) or a vsock
/// port (Firecracker), served through <see cref="HostLinks"/>.
/// </summary>
internal sealed class HostLinkEndPoint : EndPoint
{
    private HostLinkEndPoint(string? virtioPortName, uint vsockPort)
    {
        VirtioPortName = virtioPortName;
        VsockPort = vsockPort;
    }

    /// <summary>The virtio-serial port name (e.g. "wrenn-agent"), or null for vsock.</summary>
    public string? VirtioPortName { get; }

    public uint VsockPort { get; }

    public static HostLinkEndPoint VirtioSerial(string portName) => new(portName, 0);

    public static HostLinkEndPoint Vsock(uint port) => new(null, port);

    /// <summary>Parses "virtio:NAME" or "vsock:PORT" as given on the kernel command line.</summary>
    public static HostLinkEndPoint? Parse(string text)
    {
        if (text.StartsWith("virtio:", StringComparison.Ordinal) && text.Length > 7)
        {
            return VirtioSerial(text[7..]);
        }

        return text.StartsWith("vsock:", StringComparison.Ordinal) && uint.TryParse(text[6..], out var port)
            ? Vsock(port)
            : null;
    }

    public override string ToString() => VirtioPortName is null ? $"vsock:{VsockPort}" : $"virtio:{VirtioPortName}";
}
