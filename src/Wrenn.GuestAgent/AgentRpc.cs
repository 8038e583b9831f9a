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
internal sealed class AgentRpc
{
    private readonly RpcMethodTable _methods = new();
    private readonly SecretCheck _secret;
    private readonly ILogger _logger;

    public AgentRpc(AgentSettings settings, ILoggerFactory loggers)
    {
        Loggers = loggers;
        var clock = TimeProvider.System;
        var secret = new AgentSecret(settings.InitialSecret);
        var environment = new GuestEnvironment();
        var users = new UserDatabase();
        var table = new ProcessTable();
        _secret = new SecretCheck(secret);
        _logger = loggers.CreateLogger<RpcServerConnection>();

        Agent.Protocol.Machine.BindService(_methods, new MachineService(secret, environment, settings, loggers.CreateLogger<MachineService>()));
        Agent.Protocol.Processes.BindService(_methods, new ProcessesService(new ProcessLauncher(table, users, environment, clock), table));
        Agent.Protocol.Pty.BindService(_methods, new PtyService(new PtyLauncher(table, users, environment, clock), table));
        Agent.Protocol.Files.BindService(_methods, new FilesService(new FileEntries(users), new GuestPaths(environment, users)));
        Tunnel.BindService(_methods, new TunnelService());
    }

    public ILoggerFactory Loggers { get; }

    /// <summary>The server's end of a new host session whose frames go to <paramref name="output"/>.</summary>
    public RpcServerConnection Connect(IRpcOutput output) => new(_methods, output, _secret.Authorize, _logger);

    /// <summary>The agent's logging: warnings, plus host sessions starting and ending (a line per resume, for operators).</summary>
    public static ILoggerFactory CreateLoggers() => LoggerFactory.Create(logging => logging
        .AddSimpleConsole(options => options.SingleLine = true)
        .SetMinimumLevel(LogLevel.Warning)
        .AddFilter("Wrenn.GuestAgent.Transport", LogLevel.Information));
}
