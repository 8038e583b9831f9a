using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Lane;
using Wrenn.HostAgent.Guest;

namespace Wrenn.HostAgent.Tests.Guest;

/// <summary>
/// The host's half of the file lane against a scripted guest: when a Write switches to the lane,
/// and what a Read does when the guest takes the lane but it cannot be opened.
/// </summary>
public sealed class FileLaneInterceptorTests
{
    [Fact]
    public async Task Write_SendsTheFirstBytesOnTheLink_ThenATicket_ThenTheRestOnTheLane()
    {
        using var guest = new LaneGuest();
        var link = new ScriptedGuest();
        var files = new Files.FilesClient(link.Intercept(new FileLaneInterceptor(guest.Connector)));
        var data = Enumerable.Range(0, 10).Select(index => ByteString.CopyFrom(Enumerable.Repeat((byte)index, 64 * 1024).ToArray())).ToList();

        using var call = files.Write();
        await call.RequestStream.WriteAsync(new WriteChunk { Header = new WriteHeader { Path = "/f", ExpectedSize = -1 } });
        foreach (var chunk in data)
        {
            await call.RequestStream.WriteAsync(new WriteChunk { Data = chunk });
        }

        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
        var onLane = await guest.ReceivedAsync();

        var onLink = FileLane.MinimumBytes / (64 * 1024);
        Assert.Equal(WriteChunk.ChunkOneofCase.Header, link.Written[0].ChunkCase);
        Assert.Equal(data.Take((int)onLink), link.Written.Skip(1).Take((int)onLink).Select(chunk => chunk.Data));
        Assert.Equal(guest.Ticket, link.Written[^1].LaneTicket.ToByteArray());
        Assert.Equal(2 + onLink, link.Written.Count);
        Assert.Equal(data.Skip((int)onLink).SelectMany(chunk => chunk.ToByteArray()), onLane);
    }

    [Fact]
    public async Task Read_TakenOnTheLane_ThatCannotBeOpened_StartsOverOnTheLink()
    {
        var unreachable = new FileLaneConnector(_ => throw new SocketException((int)SocketError.ConnectionRefused), "c", NullLogger.Instance, TimeProvider.System);
        var link = new ScriptedGuest();
        var files = new Files.FilesClient(link.Intercept(new FileLaneInterceptor(unreachable)));

        using var call = files.Read(new ReadRequest { Path = "/f" });
        var chunks = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(2, link.Reads.Count);
        Assert.Equal(FileLane.TicketBytes, link.Reads[0].LaneTicket.Length);
        Assert.True(link.Reads[1].LaneTicket.IsEmpty);
        Assert.Equal("hello", string.Concat(chunks.Select(chunk => chunk.Data.ToStringUtf8())));
        Assert.False(unreachable.IsOpen);
    }

    /// <summary>
    /// A guest agent's link: Read takes the lane when offered (and then waits), or sends "hello";
    /// Write records what it is sent.
    /// </summary>
    private sealed class ScriptedGuest : CallInvoker
    {
        public List<ReadRequest> Reads { get; } = [];

        public List<WriteChunk> Written { get; } = [];

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
            CallOptions options, TRequest request)
        {
            var read = (ReadRequest)(object)request!;
            Reads.Add(read);
            var onLane = !read.LaneTicket.IsEmpty;
            var stopped = new TaskCompletionSource<bool>();
            var messages = onLane ? [new ReadChunk { Size = 5, OnLane = true }] : new[] { new ReadChunk { Size = 5, Data = ByteString.CopyFromUtf8("hello") } };
            var reader = new Script<TResponse>(messages.Cast<TResponse>().ToList(), onLane ? stopped.Task : Task.FromResult(false));
            return new AsyncServerStreamingCall<TResponse>(reader, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => stopped.TrySetResult(false));
        }

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
            CallOptions options)
        {
            var completed = new TaskCompletionSource<TResponse>();
            var writer = new Recorder<TRequest>(message => Written.Add((WriteChunk)(object)message!), () => completed.SetResult((TResponse)(object)new FileEntry()));
            return new AsyncClientStreamingCall<TRequest, TResponse>(writer, completed.Task, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
            CallOptions options) => throw new NotSupportedException();
    }

    private sealed class Script<T>(List<T> messages, Task<bool> afterLast) : IAsyncStreamReader<T>
    {
        private int _next;

        public T Current { get; private set; } = default!;

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_next == messages.Count)
            {
                return afterLast.WaitAsync(cancellationToken);
            }

            Current = messages[_next++];
            return Task.FromResult(true);
        }
    }

    private sealed class Recorder<T>(Action<T> record, Action complete) : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message)
        {
            record(message);
            return Task.CompletedTask;
        }

        public Task CompleteAsync()
        {
            complete();
            return Task.CompletedTask;
        }
    }

    /// <summary>A lane listener on loopback: greets, takes the ticket, keeps what follows.</summary>
    private sealed class LaneGuest : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task<byte[]> _received;

        public LaneGuest()
        {
            _listener.Start();
            var endpoint = (IPEndPoint)_listener.LocalEndpoint;
            Connector = new FileLaneConnector(async cancellationToken =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endpoint, cancellationToken);
                return socket;
            }, "c", NullLogger.Instance, TimeProvider.System);
            _received = ServeAsync();
        }

        public FileLaneConnector Connector { get; }

        public byte[] Ticket { get; } = new byte[FileLane.TicketBytes];

        public Task<byte[]> ReceivedAsync() => _received.WaitAsync(TimeSpan.FromSeconds(30));

        public void Dispose() => _listener.Dispose();

        private async Task<byte[]> ServeAsync()
        {
            using var connection = await _listener.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            await stream.WriteAsync(new[] { FileLane.Greeting });
            await stream.ReadExactlyAsync(Ticket);
            using var content = new MemoryStream();
            await stream.CopyToAsync(content);
            return content.ToArray();
        }
    }
}
