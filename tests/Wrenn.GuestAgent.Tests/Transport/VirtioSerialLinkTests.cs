using System.Net.Sockets;
using System.Security.Cryptography;
using Grpc.Core;
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
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit ends the listener through IAsyncLifetime.DisposeAsync.")]
public sealed class VirtioSerialLinkTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-link-test-").FullName;
    private readonly List<AgentLinkStream> _sessions = [];
    private readonly List<AgentConnection> _connections = [];
    private readonly ILoggerFactory _loggers = AgentRpc.CreateLoggers();
    private PortRelay _relay = null!;
    private VirtioSerialListener _listener = null!;

    public Task InitializeAsync()
    {
        _relay = PortRelay.Start(_directory);
        var rpc = new AgentRpc(new AgentSettings(HostLinkEndPoint.VirtioSerial("wrenn-agent"), AgentServer.Secret), _loggers);
        _listener = new VirtioSerialListener(new SafeFileHandle(_relay.GuestEnd.Handle, ownsHandle: false), rpc);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await _listener.DisposeAsync();
        await _relay.DisposeAsync();
        _loggers.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnIdleSession_IsNeverEndedByTheAgent()
    {
        var machine = new Agent.Protocol.Machine.MachineClient(Channel());
        await machine.HealthAsync(new HealthRequest(), AgentServer.Authorized());
        // A while with no call open: the agent must not end the session (its former HTTP/2 server
        // did, when its keep-alive timeout was "infinite", which overflowed).
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

        // The first session starts a process that floods its output a little later, with the whole
        // of the call's credit still unspent.
        var first = Channel();
        var firstProcesses = new Agent.Protocol.Processes.ProcessesClient(first);
        using var flood = firstProcesses.Start(
            new StartRequest { Cmd = "sh", Args = { "-c", "sleep 0.2; exec yes " + new string('x', 200) }, Tag = "flood" },
            AgentServer.Authorized());
        Assert.True(await flood.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(flood.ResponseStream.Current.Started);
        var reading = Task.Run(async () =>
        {
            while (await flood.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        // A second host connects; the guest hears of it only later, and meanwhile the first
        // session's output (the flood, from 0.2 s on) goes to the new connection.
        _relay.HoldNewConnections = TimeSpan.FromMilliseconds(600);
        var second = Channel();
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

        var health = await new Agent.Protocol.Machine.MachineClient(Channel()).HealthAsync(new HealthRequest(), AgentServer.Authorized());

        Assert.False(string.IsNullOrEmpty(health.AgentVersion));
        Assert.Equal(2, _relay.Connections);
    }

    [Fact]
    public async Task AnAgentFromBeforeTheRpc_IsToldApart()
    {
        // A capsule paused by an older Wrenn answers with the old Welcome (its agent served HTTP/2).
        var path = Path.Combine(_directory, "old-agent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var epoch = LinkEpoch.New();
        var oldGuest = Task.Run(async () =>
        {
            using var guest = await listener.AcceptAsync();
            var hello = new byte[LinkFrameHeader.SyncGap + LinkFrameHeader.Size];
            await ReceiveExactlyAsync(guest, hello);

            var welcome = new byte[LinkFrameHeader.Size];
            new LinkFrameHeader(LinkFrameKind.LegacyWelcome, epoch, 0).Write(welcome);
            await guest.SendAsync(welcome);
            await Task.Delay(500);
        });
        var host = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await host.ConnectAsync(new UnixDomainSocketEndPoint(path));

        await Assert.ThrowsAsync<AgentLinkOutdatedException>(() =>
            AgentLinkStream.OpenAsync(new NetworkStream(host, ownsSocket: true), epoch, TimeSpan.FromSeconds(10), CancellationToken.None));
        await oldGuest;
    }

    [Fact]
    public async Task TheAgent_SaysItsPortIsOpen_BeforeAnythingElse()
    {
        // A host already connected when the agent starts (a booting capsule's).
        await using var relay = PortRelay.Start(Directory.CreateDirectory(Path.Combine(_directory, "ready")).FullName);
        await using var host = await relay.ConnectAsync(CancellationToken.None);
        await WaitUntilAsync(() => relay.Connections == 1);
        await using var agent = new VirtioSerialListener(new SafeFileHandle(relay.GuestEnd.Handle, ownsHandle: false),
            new AgentRpc(new AgentSettings(HostLinkEndPoint.VirtioSerial("wrenn-agent"), AgentServer.Secret), _loggers));

        var first = new byte[LinkFrameHeader.Size];
        await host.ReadExactlyAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(LinkFrameHeader.TryRead(first, out var header));
        Assert.Equal(LinkFrameKind.Ready, header.Kind);
    }

    [Fact]
    public async Task AHelloTheGuestNeverSaw_IsSentAgain_WhenTheAgentSaysItIsReady()
    {
        // The guest's driver dropped the first Hello (no one held the port open yet); the agent
        // then opens the port and says so. Without a second Hello the host would wait its limit.
        var path = Path.Combine(_directory, "booting.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var epoch = LinkEpoch.New();
        var booting = Task.Run(async () =>
        {
            using var guest = await listener.AcceptAsync();
            var hello = new byte[LinkFrameHeader.SyncGap + LinkFrameHeader.Size];
            await ReceiveExactlyAsync(guest, hello);
            var frame = new byte[LinkFrameHeader.Size];
            new LinkFrameHeader(LinkFrameKind.Ready, LinkEpoch.New(), 0).Write(frame);
            await guest.SendAsync(frame);
            await ReceiveExactlyAsync(guest, hello);
            Assert.True(LinkFrameHeader.TryRead(hello.AsSpan(LinkFrameHeader.SyncGap), out var again));
            Assert.Equal(new LinkFrameHeader(LinkFrameKind.Hello, epoch, 0), again);
            new LinkFrameHeader(LinkFrameKind.Welcome, epoch, 0).Write(frame);
            await guest.SendAsync(frame);
            await Task.Delay(500);
        });
        var host = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await host.ConnectAsync(new UnixDomainSocketEndPoint(path));

        await using var session = await AgentLinkStream.OpenAsync(new NetworkStream(host, ownsSocket: true), epoch, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(epoch, session.Epoch);
        await booting;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        for (var read = 0; read < buffer.Length;)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(read));
            Assert.NotEqual(0, received);
            read += received;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 30_000, "condition not met in 30 s");
            await Task.Delay(10);
        }
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

    /// <summary>A client whose first call opens a new link session, as a host connecting to QEMU does.</summary>
    private CallInvoker Channel()
    {
        var connection = new AgentConnection(async cancellationToken =>
        {
            var session = await AgentLinkStream.OpenAsync(await _relay.ConnectAsync(cancellationToken), LinkEpoch.New(), TimeSpan.FromSeconds(10), cancellationToken);
            lock (_sessions)
            {
                _sessions.Add(session);
            }

            return session;
        });
        _connections.Add(connection);
        return connection.Invoker;
    }
}
