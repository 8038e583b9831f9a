using System.Net;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Link;
using Wrenn.GuestAgent.Transport;
using Wrenn.HostAgent.Guest;

namespace Wrenn.GuestAgent.Tests.Transport;

/// <summary>
/// The agent served over a stand-in virtio-serial port (<see cref="PortRelay"/>), reached the way
/// the host reaches a QEMU capsule: every connection opens a new link session.
/// </summary>
public sealed class VirtioSerialLinkTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-link-test-").FullName;
    private readonly List<AgentLinkStream> _sessions = [];
    private PortRelay _relay = null!;
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _relay = PortRelay.Start(_directory);
        _app = AgentApp.Build(
            new AgentSettings(HostLinkEndPoint.VirtioSerial("wrenn-agent"), AgentServer.Secret),
            builder => builder.Services.AddSingleton<IConnectionListenerFactory>(new RelayListenerFactory(_relay)));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _relay.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnIdleSession_IsNeverEndedByTheAgent()
    {
        using var channel = Channel();
        var machine = new Agent.Protocol.Machine.MachineClient(channel);
        await machine.HealthAsync(new HealthRequest(), AgentServer.Authorized());
        // Past Kestrel's next heartbeat with no stream open: it must not end the session (it did
        // when its keep-alive timeout was "infinite", which overflowed).
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await machine.HealthAsync(new HealthRequest(), AgentServer.Authorized());

        Assert.Equal(1, _relay.Connections);
    }

    [Fact]
    public async Task ANewSession_ReplacesTheOld_AndNothingOfTheOldReachesIt()
    {
        var path = Path.Combine(_directory, "big.bin");
        var content = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        await File.WriteAllBytesAsync(path, content);

        // The first session streams a process's output without pause.
        using var first = Channel(streamWindow: 4 * 1024 * 1024);
        var firstProcesses = new Agent.Protocol.Processes.ProcessesClient(first);
        using var flood = firstProcesses.Start(new StartRequest { Cmd = "yes", Args = { new string('x', 200) }, Tag = "flood" },
            AgentServer.Authorized());
        var flowing = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            long received = 0;
            while (await flood.ResponseStream.MoveNext(CancellationToken.None))
            {
                received += flood.ResponseStream.Current.Output?.Data.Length ?? 0;
                if (received > 1024 * 1024)
                {
                    flowing.TrySetResult();
                }
            }
        });
        await flowing.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // A second host connects; the guest hears of it only later, and meanwhile the first
        // session's output goes to the new connection.
        _relay.HoldNewConnections = TimeSpan.FromMilliseconds(300);
        using var second = Channel();
        var read = await ReadAllAsync(new Agent.Protocol.Files.FilesClient(second), path);
        await new Agent.Protocol.Processes.ProcessesClient(second).SignalAsync(new SignalRequest { Selector = "flood", Signal = 9 }, AgentServer.Authorized());

        Assert.Equal(content, read);
        Assert.True(_sessions[1].SkippedBytes > 0, "the first session's output reached the second connection (and was skipped)");
        await Assert.ThrowsAsync<RpcException>(() => reading);
    }

    [Fact]
    public async Task AHostGoneInTheMiddleOfAFrame_DoesNotHideTheNextSession()
    {
        // A host that opened a session and left after 10 bytes of a Data frame that promised
        // 1000: the guest still expects the other 990 when the next host connects.
        var epoch = LinkEpoch.New();
        var bytes = new byte[LinkFrameHeader.SyncGap + (2 * LinkFrameHeader.Size) + 10];
        new LinkFrameHeader(LinkFrameKind.Hello, epoch, 0).Write(bytes.AsSpan(LinkFrameHeader.SyncGap));
        new LinkFrameHeader(LinkFrameKind.Data, epoch, 1000).Write(bytes.AsSpan(LinkFrameHeader.SyncGap + LinkFrameHeader.Size));
        await using (var gone = await _relay.ConnectAsync(CancellationToken.None))
        {
            await gone.WriteAsync(bytes);
            await Task.Delay(300);
        }

        using var channel = Channel();
        var health = await new Agent.Protocol.Machine.MachineClient(channel).HealthAsync(new HealthRequest(), AgentServer.Authorized());

        Assert.False(string.IsNullOrEmpty(health.AgentVersion));
        Assert.Equal(2, _relay.Connections);
    }

    private static async Task<byte[]> ReadAllAsync(Agent.Protocol.Files.FilesClient files, string path)
    {
        using var call = files.Read(new ReadRequest { Path = path }, AgentServer.Authorized());
        using var bytes = new MemoryStream();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            call.ResponseStream.Current.Data.WriteTo(bytes);
        }

        return bytes.ToArray();
    }

    private GrpcChannel Channel(int streamWindow = 64 * 1024)
    {
        var handler = new SocketsHttpHandler
        {
            InitialHttp2StreamWindowSize = streamWindow,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var session = await AgentLinkStream.OpenAsync(await _relay.ConnectAsync(cancellationToken), LinkEpoch.New(), TimeSpan.FromSeconds(10), cancellationToken);
                lock (_sessions)
                {
                    _sessions.Add(session);
                }

                return session;
            },
        };
        return GrpcChannel.ForAddress("http://agent", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null });
    }

    private sealed class RelayListenerFactory(PortRelay relay) : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public bool CanBind(EndPoint endpoint) => endpoint is HostLinkEndPoint;

        public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IConnectionListener>(new VirtioSerialListener(
                (HostLinkEndPoint)endpoint, new SafeFileHandle(relay.GuestEnd.Handle, ownsHandle: false), NullLogger.Instance));
    }
}
