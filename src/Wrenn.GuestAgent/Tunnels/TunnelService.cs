using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Tunnels;

/// <summary>
/// The Tunnel gRPC service: one TCP connection to a port on the guest's loopback per call, bytes
/// both ways, half-close carried as eof frames. gRPC flow control gives back-pressure both ways.
/// </summary>
internal sealed class TunnelService : Agent.Protocol.Tunnel.TunnelBase
{
    private const int ChunkBytes = 64 * 1024;

    public override async Task Connect(IAsyncStreamReader<TunnelFrame> requestStream, IServerStreamWriter<TunnelFrame> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation).ConfigureAwait(false) || requestStream.Current.Port is 0 or > 65535)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the first frame must name a port 1..65535");
        }

        var first = requestStream.Current;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, (int)first.Port), cancellation).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            throw AgentErrors.Exception(AgentErrorCode.PortUnreachable, "nothing accepts on that port");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var upstream = CopyToGuestAsync(first, requestStream, socket, stop.Token);
        var downstream = CopyToHostAsync(socket, responseStream, stop.Token);
        // The call ends when the guest side is done sending (the host half-closes on its own).
        await downstream.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await upstream.ConfigureAwait(false);
    }

    private static async Task CopyToGuestAsync(TunnelFrame first, IAsyncStreamReader<TunnelFrame> frames, Socket socket, CancellationToken cancellation)
    {
        try
        {
            var frame = first;
            while (true)
            {
                if (!frame.Data.IsEmpty)
                {
                    await socket.SendAsync(frame.Data.Memory, SocketFlags.None, cancellation).ConfigureAwait(false);
                }

                if (frame.Eof || !await frames.MoveNext(cancellation).ConfigureAwait(false))
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                frame = frames.Current;
            }
        }
        catch (Exception failure) when (failure is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Either side went away; the downstream copy reports the end.
        }
    }

    private static async Task CopyToHostAsync(Socket socket, IServerStreamWriter<TunnelFrame> frames, CancellationToken cancellation)
    {
        var buffer = new byte[ChunkBytes];
        try
        {
            while (true)
            {
                var count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation).ConfigureAwait(false);
                if (count == 0)
                {
                    await frames.WriteAsync(new TunnelFrame { Eof = true }, cancellation).ConfigureAwait(false);
                    return;
                }

                await frames.WriteAsync(new TunnelFrame { Data = ByteString.CopyFrom(buffer, 0, count) }, cancellation).ConfigureAwait(false);
            }
        }
        catch (SocketException)
        {
            // Reset by the guest service: the call just ends.
        }
    }
}
