using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Wrenn.Server.Serve;
using Wrenn.Server.Serve.Settings;

namespace Wrenn.Server.Agent;

/// <summary>
/// <c>wrenn agent</c>: this machine as a host of a control plane elsewhere. On its first start it
/// registers with a registration token (§7.4) and keeps the credentials it gets; later starts use
/// them, and take over the VMs an earlier run left.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var command = new Command("agent", "Run this machine's capsules for a control plane on another machine");
        var readers = AgentCatalog.All.ToDictionary(setting => setting, setting => ServeCommand.AddOption(command, setting));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var reader = new SettingsReader(AgentCatalog.All);
            var resolved = reader.Read(readers.ToDictionary(pair => pair.Key, pair => pair.Value(parse)), Environment.GetEnvironmentVariables(), configFile: null);
            var settings = AgentSettings.From(resolved);
            var problems = reader.Errors.Concat(settings.Problems()).ToList();
            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync("wrenn agent: cannot start:\n  " + string.Join("\n  ", problems)).ConfigureAwait(false);
                return 2;
            }

            var data = Directory.CreateDirectory(settings.Host.DataDirectory);
            data.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            using var authority = settings.ControlPlaneCa is null ? null : X509CertificateLoader.LoadCertificateFromFile(settings.ControlPlaneCa);
            using var controlPlane = new ControlPlaneClient(WithTrailingSlash(settings.ControlPlane!), authority);
            AgentIdentity identity;
            try
            {
                identity = await AgentIdentity.LoadOrRegisterAsync(settings.StateDirectory, controlPlane.Http, settings.RegistrationToken,
                    HostFacts.Of(settings.Address, settings.Host.DataDirectory, settings.Vcpus, settings.MemoryMb), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync("wrenn agent: " + exception.Message).ConfigureAwait(false);
                return 1;
            }

            await using var app = AgentHost.Build(settings, identity, controlPlane);
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Uri WithTrailingSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
