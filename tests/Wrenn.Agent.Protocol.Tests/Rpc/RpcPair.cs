using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Protocol.Rpc;

namespace Wrenn.Agent.Protocol.Tests.Rpc;

/// <summary>
/// A client and a server of the agent RPC joined by a Unix socket pair, with raw-bytes methods
/// the test defines. <see cref="ServerEnd"/> can also be written to directly, as a hostile peer would.
/// </summary>
internal sealed class RpcPair : IAsyncDisposable
{
    public const string Secret = "Bearer right";

    private readonly Task _serving;

    public RpcPair(Action<RpcMethodTable> bind)
    {
        var methods = new RpcMethodTable();
        bind(methods);
        (ClientEnd, ServerEnd) = SocketPair();
        Server = new RpcServerConnection(methods, new SocketOutput(ServerEnd), Authorize, NullLogger.Instance);
        _serving = Task.Run(ServeAsync);
        Client = new RpcClientConnection(new NetworkStream(ClientEnd, ownsSocket: true), TimeProvider.System);
        Invoker = new RpcCallInvoker(_ => ValueTask.FromResult(Client), TimeProvider.System);
    }

    public Socket ClientEnd { get; }

    public Socket ServerEnd { get; }

    public RpcServerConnection Server { get; }

    public RpcClientConnection Client { get; }

    public CallInvoker Invoker { get; }

    public static CallOptions Authorized(DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        new(new Metadata { { "authorization", Secret } }, deadline, cancellationToken);

    public static Method<byte[], byte[]> Method(MethodType type, string name) =>
        new(type, "test", name, Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        ServerEnd.Dispose();
        await _serving;
    }

    private static void Authorize(Metadata headers)
    {
        if (headers.GetValue("authorization") != Secret)
        {
            throw AgentErrors.Exception(AgentErrorCode.Unauthenticated, "bad secret");
        }
    }

    private static (Socket Client, Socket Server) SocketPair()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rpc-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        var server = listener.Accept();
        File.Delete(path);
        return (client, server);
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await ServerEnd.ReceiveAsync(buffer)) > 0 && !Server.IsClosed)
            {
                Server.Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        Server.Close(new IOException("the client went away"));
    }

    private sealed class SocketOutput(Socket socket) : IRpcOutput
    {
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
        {
            try
            {
                while (!frames.IsEmpty)
                {
                    frames = frames[await socket.SendAsync(frames, cancellationToken)..];
                }
            }
            catch (SocketException exception)
            {
                throw new IOException("the client went away", exception);
            }
        }
    }
}
