using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Hosts;

/// <summary><c>wrenn host list|drain|undrain</c>: the machines that run capsules (platform admins).</summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var command = new Command("host", "List hosts, drain and undrain them") { List(), Drain(), Undrain() };
        command.Aliases.Add("hosts");
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "The hosts, with their status and size");
        command.Aliases.Add("ls");
        command.SetRun(async (run, cancellationToken) =>
        {
            var hosts = await run.Client.Hosts.ListAsync(cancellationToken).ConfigureAwait(false);
            run.Out.Write(hosts, CliJson.Default.IReadOnlyListHostInfo, list =>
            {
                var table = Tables.Create("ID", "STATUS", "TYPE", "ADDRESS", "CPUS", "MEMORY", "LAST HEARTBEAT");
                foreach (var host in list)
                {
                    table.AddRow(host.Id.Value, WrennEnums.NameOf(host.Status), WrennEnums.NameOf(host.Type), Markup.Escape(host.Address ?? "-"),
                        host.CpuCores?.ToString(CultureInfo.InvariantCulture) ?? "-", host.MemoryMb is { } memory ? $"{memory} MiB" : "-",
                        host.LastHeartbeatAt is { } beat ? Capsules.CapsuleTable.Time(beat) : "-");
                }

                return table;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Drain()
    {
        var id = HostArgument();
        var pauseRunning = new Option<bool>("--pause-running") { Description = "Pause its running capsules too (they resume elsewhere once stored)" };
        var command = new Command("drain", "Stop placing capsules on a host") { id, pauseRunning };
        command.SetRun(async (run, cancellationToken) =>
        {
            var host = await run.Client.Hosts.DrainAsync(run.Get(id), run.Get(pauseRunning), cancellationToken).ConfigureAwait(false);
            run.Out.Write(host, CliJson.Default.HostInfo, drained => new Markup($"{drained.Id} is {WrennEnums.NameOf(drained.Status)}\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Undrain()
    {
        var id = HostArgument();
        var command = new Command("undrain", "Place capsules on a drained host again") { id };
        command.SetRun(async (run, cancellationToken) =>
        {
            var host = await run.Client.Hosts.UndrainAsync(run.Get(id), cancellationToken).ConfigureAwait(false);
            run.Out.Write(host, CliJson.Default.HostInfo, undrained => new Markup($"{undrained.Id} is {WrennEnums.NameOf(undrained.Status)}\n"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<HostId> HostArgument() => new("host")
    {
        Description = "The host's id (host-…)",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (!HostId.TryParse(text, out var host))
            {
                result.AddError($"'{text}' is not a host id (host-…)");
            }

            return host;
        },
    };
}
