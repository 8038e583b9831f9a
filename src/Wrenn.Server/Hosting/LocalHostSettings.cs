using System.Net;

namespace Wrenn.Server.Hosting;

/// <summary>What this machine's host agent runs with, in <c>wrenn serve</c> and in <c>wrenn agent</c> alike.</summary>
internal sealed record LocalHostSettings(
    string DataDirectory,
    string ImagesDirectory,
    string TemplatesDirectory,
    long TemplateCacheBytes,
    bool PrebuildTemplates,
    TimeSpan UploadDelay,
    string? Firecracker,
    string? Jailer,
    bool VmmUnprivileged,
    bool CapsuleNetwork,
    IReadOnlyList<IPAddress> CapsuleDns,
    IReadOnlyList<IPNetwork> EgressAllow,
    IReadOnlyList<IPNetwork> EgressDeny);
