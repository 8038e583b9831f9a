using System.CommandLine;

namespace Wrenn.Cli.Serve;

/// <summary><c>wrenn serve</c>: runs the server and the host agent of this machine in one process.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address and port to serve on",
            DefaultValueFactory = _ => "127.0.0.1:8080",
        };
        var dataDirectory = new Option<string>("--data-dir")
        {
            Description = "Where capsules and server state live",
            DefaultValueFactory = _ => "/var/lib/wrenn",
        };
        var imagesDirectory = new Option<string>("--images-dir")
        {
            Description = "Guest images built by images/build.sh",
            DefaultValueFactory = _ => "/var/lib/wrenn/images",
        };
        var templatesDirectory = new Option<string?>("--templates-dir")
        {
            Description = "Where template snapshots live (default: <data-dir>/templates); servers may share it, one at a time",
        };
        var proxyDomain = new Option<string?>("--proxy-domain")
        {
            Description = "Domain of the port proxy ({port}-{capsule}.<domain>); by default any suffix matches",
        };
        var firecracker = new Option<string?>("--firecracker")
        {
            Description = "Firecracker binary: capsules run as Firecracker microVMs when /dev/kvm is usable (else QEMU)",
        };
        var jailer = new Option<string?>("--jailer")
        {
            Description = "Firecracker's jailer binary: each Firecracker VMM then runs chrooted, unprivileged, in its own cgroup",
        };
        var command = new Command("serve", "Serve the Wrenn API with capsules on this machine")
        {
            listen, dataDirectory, imagesDirectory, templatesDirectory, proxyDomain, firecracker, jailer,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ServeSettings(
                parse.GetValue(listen)!,
                Path.GetFullPath(parse.GetValue(dataDirectory)!),
                Path.GetFullPath(parse.GetValue(imagesDirectory)!),
                parse.GetValue(templatesDirectory) is { } templates ? Path.GetFullPath(templates) : null,
                parse.GetValue(proxyDomain),
                parse.GetValue(firecracker) is { } binary ? Path.GetFullPath(binary) : null,
                parse.GetValue(jailer) is { } jail ? Path.GetFullPath(jail) : null);
            await using var app = ServeHost.Build(settings);
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
