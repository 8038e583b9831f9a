using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Security;
using Wrenn.Linux.Clock;
using Wrenn.Linux.Entropy;
using Wrenn.Linux.Identity;

namespace Wrenn.GuestAgent.Machine;

/// <summary>
/// The Machine gRPC service. Init runs after every boot and resume: clock, identity, entropy and
/// default environment first, the secret last, so the reply still authenticates the old caller.
/// </summary>
internal sealed partial class MachineService(AgentSecret secret, GuestEnvironment environment, AgentSettings settings, ILogger<MachineService> logger)
    : Agent.Protocol.Machine.MachineBase
{
    public override async Task<InitReply> Init(InitRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.NewSecret))
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "new_secret is empty");
        }

        // Only PID 1 of a capsule owns the machine; a development agent on a workstation must not
        // reset the host's clock or name.
        if (settings.OwnsMachine)
        {
            ApplyToMachine(request);
            await MixEntropyAsync(request.Entropy, context.CancellationToken).ConfigureAwait(false);
            await WriteMachineIdAsync(request.CapsuleId, context.CancellationToken).ConfigureAwait(false);
        }

        environment.Set(request.CapsuleId, request.Template, request.DefaultEnv, request.DefaultUser);
        secret.Replace(request.NewSecret);
        return new InitReply { AgentVersion = MachineFacts.AgentVersion, KernelVersion = MachineFacts.KernelVersion };
    }

    public override Task<HealthReply> Health(HealthRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthReply
        {
            AgentVersion = MachineFacts.AgentVersion,
            KernelVersion = MachineFacts.KernelVersion,
            UptimeSec = MachineFacts.UptimeSeconds,
            BootId = MachineFacts.BootId,
        });

    public override Task<MetricsReply> Metrics(MetricsRequest request, ServerCallContext context) =>
        Task.FromResult(ResourceCounters.Sample());

    private void ApplyToMachine(InitRequest request)
    {
        if (request.UnixTimeNs > 0 && WallClock.Set(request.UnixTimeNs) is var clockError and not 0)
        {
            LogMachineCallFailed(logger, "clock_settime", clockError);
        }

        if (request.Hostname.Length is > 0 and <= 64 && HostName.Set(request.Hostname) is var nameError and not 0)
        {
            LogMachineCallFailed(logger, "sethostname", nameError);
        }
    }

    /// <summary>
    /// /etc/machine-id from the capsule id: capsules restored from one snapshot must not share it
    /// (systemd, D-Bus and many tools treat it as the machine's identity).
    /// </summary>
    private static async Task WriteMachineIdAsync(string capsuleId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(capsuleId))
        {
            return;
        }

        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(capsuleId)).AsSpan(0, 16));
        await File.WriteAllTextAsync("/etc/machine-id.wrenn-tmp", id + "\n", cancellationToken).ConfigureAwait(false);
        File.Move("/etc/machine-id.wrenn-tmp", "/etc/machine-id", overwrite: true);
    }

    /// <summary>Mixes host bytes into the kernel pool and reseeds from it: forks of one snapshot diverge.</summary>
    private async Task MixEntropyAsync(Google.Protobuf.ByteString entropy, CancellationToken cancellationToken)
    {
        if (entropy.IsEmpty)
        {
            return;
        }

        var pool = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        await using (pool.ConfigureAwait(false))
        {
            await pool.WriteAsync(entropy.Memory, cancellationToken).ConfigureAwait(false);
            if (KernelRandom.Reseed(pool.SafeFileHandle) is var error and not 0)
            {
                LogMachineCallFailed(logger, "RNDRESEEDCRNG", error);
            }
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Init: {Call} failed (errno {Errno})")]
    private static partial void LogMachineCallFailed(ILogger logger, string call, int errno);
}
