using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Rpc;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Files;
using Wrenn.GuestAgent.Machine;
using Wrenn.GuestAgent.Processes;
using Wrenn.GuestAgent.Pty;
using Wrenn.GuestAgent.Security;
using Wrenn.GuestAgent.Tunnels;

namespace Wrenn.GuestAgent;

/// <summary>
/// Composes the agent: its services (agent.proto) bound into one method table, served over Wrenn's
/// agent RPC on each host session, every call checked against the capsule's secret first.
/// </summary>
internal sealed class AgentRpc : IDisposable
{
    private readonly RpcMethodTable _methods = new();
    private readonly SecretCheck _secret;
    private readonly ILogger _logger;
    private readonly FileLaneListener? _lane;

    public AgentRpc(AgentSettings settings, ILoggerFactory loggers)
    {
        Loggers = loggers;
        var clock = TimeProvider.System;
        var secret = new AgentSecret(settings.InitialSecret);
        var environment = new GuestEnvironment();
        var users = new UserDatabase(clock);
        var table = new ProcessTable();
        _secret = new SecretCheck(secret);
        _logger = loggers.CreateLogger<RpcServerConnection>();

        Agent.Protocol.Machine.BindService(_methods, new MachineService(secret, environment, settings, loggers.CreateLogger<MachineService>()));
        Agent.Protocol.Processes.BindService(_methods, new ProcessesService(new ProcessLauncher(table, users, environment, clock), table));
        Agent.Protocol.Pty.BindService(_methods, new PtyService(new PtyLauncher(table, users, environment, clock), table));
        LaneTickets? tickets = null;
        if (settings.FileLane is { } laneEndpoint)
        {
            tickets = new LaneTickets(clock);
            _lane = new FileLaneListener(tickets, loggers.CreateLogger<FileLaneListener>());
            if (!_lane.Start(laneEndpoint))
            {
                tickets = null;
            }
        }

        Agent.Protocol.Files.BindService(_methods, new FilesService(new FileEntries(users), new GuestPaths(environment, users), tickets));
        Tunnel.BindService(_methods, new TunnelService());
    }

    public ILoggerFactory Loggers { get; }

    /// <summary>Where the file lane listens, when it does.</summary>
    public System.Net.IPEndPoint? FileLaneEndPoint => _lane?.EndPoint;

    /// <summary>The server's end of a new host session whose frames go to <paramref name="output"/>.</summary>
    public RpcServerConnection Connect(IRpcOutput output) => new(_methods, output, _secret.Authorize, _logger);

    public void Dispose() => _lane?.Dispose();

    /// <summary>The agent's logging (<see cref="ConsoleLoggers"/>).</summary>
    public static ILoggerFactory CreateLoggers() => new ConsoleLoggers();
}
