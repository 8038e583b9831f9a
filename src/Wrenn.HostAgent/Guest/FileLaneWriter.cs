using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// The request stream of a Files.Write call: messages go over the link until the data passes
/// <see cref="FileLane.MinimumBytes"/>; then, if a lane connection opens, a lane ticket goes over
/// the link and the rest of the data on the lane. Completing the call ends the lane's data first.
/// </summary>
internal sealed class FileLaneWriter<T>(IClientStreamWriter<T> link, Marshaller<T> marshaller, FileLaneConnector lane, Task response)
    : IClientStreamWriter<T>, IDisposable
{
    private NetworkStream? _lane;
    private long _sentOnLink;
    private bool _laneTried;

    public WriteOptions? WriteOptions
    {
        get => link.WriteOptions;
        set => link.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        if (_lane is not null)
        {
            var chunk = LaneMessages.As(message, marshaller, WriteChunk.Parser);
            if (chunk.ChunkCase != WriteChunk.ChunkOneofCase.Data)
            {
                throw new InvalidOperationException("only data follows the header");
            }

            try
            {
                await _lane.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                throw await LaneMessages.FailureAsync(response).ConfigureAwait(false);
            }

            return;
        }

        await link.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        if (!_laneTried && LaneMessages.As(message, marshaller, WriteChunk.Parser) is { ChunkCase: WriteChunk.ChunkOneofCase.Data } data
            && (_sentOnLink += data.Data.Length) >= FileLane.MinimumBytes)
        {
            _laneTried = true;
            var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);
            if (await lane.TryOpenAsync(ticket, cancellationToken).ConfigureAwait(false) is { } opened)
            {
                _lane = opened;
                await link.WriteAsync(LaneMessages.From(new WriteChunk { LaneTicket = UnsafeByteOperations.UnsafeWrap(ticket) }, marshaller), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task CompleteAsync()
    {
        if (_lane is not null)
        {
            try
            {
                // The guest commits only after the lane's end and the call's normal completion.
                _lane.Socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                throw await LaneMessages.FailureAsync(response).ConfigureAwait(false);
            }
        }

        await link.CompleteAsync().ConfigureAwait(false);
    }

    public void Dispose() => _lane?.Dispose();
}
