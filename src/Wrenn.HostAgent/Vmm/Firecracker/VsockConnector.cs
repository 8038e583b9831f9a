using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// Host-initiated vsock connections through Firecracker's Unix socket (docs/vsock.md in its
/// repository): connect, send "CONNECT &lt;port&gt;\n", and the stream is the guest's port once
/// Firecracker answers "OK &lt;host port&gt;\n".
/// </summary>
internal static class VsockConnector
{
    private const int MaxReplyBytes = 32;

    public static async ValueTask<Stream> ConnectAsync(string udsPath, uint port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(udsPath), cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"CONNECT {port}\n")), cancellationToken).ConfigureAwait(false);
            // Byte by byte: whatever follows the newline already belongs to the guest's stream.
            var reply = new StringBuilder();
            var one = new byte[1];
            while (reply.Length < MaxReplyBytes)
            {
                if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
                {
                    break;
                }

                if (one[0] == '\n')
                {
                    return reply.ToString().StartsWith("OK ", StringComparison.Ordinal)
                        ? stream
                        : throw new IOException("the guest refused the vsock connection");
                }

                reply.Append((char)one[0]);
            }

            throw new IOException("Firecracker's vsock socket closed before it answered");
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
