using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// A QEMU Machine Protocol connection: newline-delimited JSON on a Unix socket. One read loop owns
/// the socket's input: replies complete their command by id, events are skipped, and the
/// connection closing (QEMU exited or was killed) completes <see cref="Closed"/> and fails every
/// command still waiting.
/// </summary>
internal sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    // Serializes writes so that two commands never interleave their bytes.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _readLoop;
    private long _nextId;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _readLoop = ReadLoopAsync();
    }

    /// <summary>Completes when QEMU closes the connection.</summary>
    public Task Closed => _readLoop;

    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new QmpClient(socket);
        try
        {
            await client.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a command and returns its "return" value; a QMP error becomes <see cref="QmpException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            var message = new JsonObject { ["execute"] = command, ["id"] = id };
            if (arguments is not null)
            {
                message["arguments"] = arguments;
            }

            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            if (_readLoop.IsCompleted)
            {
                throw new IOException("QMP connection closed");
            }

            var answer = await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (answer["error"] is JsonObject error)
            {
                throw new QmpException(command, error["class"]?.GetValue<string>() ?? "GenericError", error["desc"]?.GetValue<string>() ?? string.Empty);
            }

            return answer["return"];
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        finally
        {
            _reader.Dispose();
            await _stream.DisposeAsync().ConfigureAwait(false);
            _writeLock.Dispose();
        }
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (await _reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (JsonNode.Parse(line) is JsonObject message && message["id"] is JsonValue idValue
                    && idValue.TryGetValue<long>(out var id) && _pending.TryGetValue(id, out var waiter))
                {
                    waiter.TrySetResult(message);
                }

                // Anything else is the greeting or an event: the VM's fate shows in the connection itself.
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException or System.Text.Json.JsonException)
        {
            // The connection is gone or QEMU sent garbage: either way it is over.
        }
        finally
        {
            foreach (var waiter in _pending.Values)
            {
                waiter.TrySetException(new IOException("QMP connection closed"));
            }
        }
    }
}
