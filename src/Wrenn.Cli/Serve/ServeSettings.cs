namespace Wrenn.Cli.Serve;

/// <summary>The options of <c>wrenn serve</c>, with paths made absolute.</summary>
/// <param name="Listen">Address and port of the API.</param>
/// <param name="DataDirectory">Database, capsules and the admin key file.</param>
/// <param name="ImagesDirectory">Guest images built by images/build.sh.</param>
/// <param name="TemplatesDirectory">Where template snapshots live; null: under the data directory.</param>
/// <param name="ProxyDomain">The port proxy's domain; null: any suffix.</param>
/// <param name="Firecracker">The firecracker binary; null: capsules run under QEMU.</param>
/// <param name="Jailer">Firecracker's jailer; null: Firecracker runs unjailed (private mount namespace only).</param>
internal sealed record ServeSettings(string Listen, string DataDirectory, string ImagesDirectory, string? TemplatesDirectory, string? ProxyDomain,
    string? Firecracker = null, string? Jailer = null);
