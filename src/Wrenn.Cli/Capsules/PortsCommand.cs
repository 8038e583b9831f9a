using System.CommandLine;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>
/// <c>wrenn capsule ports ID</c>: the TCP ports programs in the capsule listen on (loopback ones
/// too: the port proxy reaches them) and the URL of each through the port proxy.
/// </summary>
internal static class PortsCommand
{
    public static Command Create()
    {
        var id = CapsuleArguments.Id();
        var command = new Command("ports", "List the capsule's listening ports and their proxy URLs") { id };
        command.SetRun(async (run, cancellationToken) =>
        {
            var capsule = run.Get(id);
            var tables = await run.Client.Commands.RunAsync(capsule, new ExecRequest("cat", "/proc/net/tcp", "/proc/net/tcp6"), cancellationToken).ConfigureAwait(false);
            var ports = ListeningPorts.Parse(tables.Stdout).Select(port => new ListeningPort(port.Port, port.Address, ProxyUrl(run.Client.Options.BaseUrl, capsule, port.Port))).ToList();
            run.Out.Write(ports, CliJson.Default.ListListeningPort, list =>
            {
                var table = Tables.Create("PORT", "ADDRESS", "URL");
                foreach (var port in list)
                {
                    table.AddRow(port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port.Address, port.Url);
                }

                return table;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The proxy host of a port: <c>{port}-{capsule}.</c> before the API's own host (spec §6).</summary>
    private static string ProxyUrl(Uri api, CapsuleId capsule, int port) => new UriBuilder(api) { Host = $"{port}-{capsule}.{api.Host}", Path = "/" }.Uri.ToString();
}
