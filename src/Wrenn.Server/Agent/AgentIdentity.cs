using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Wrenn.Host.Protocol;

namespace Wrenn.Server.Agent;

/// <summary>
/// Who this agent is to its control plane (spec §7.4): its host id, host token and refresh token,
/// its private key (made here, never sent), the certificate the control plane signed for it and the
/// control plane's CA. Kept under <c>&lt;data&gt;/agent/</c>, readable by the agent's user only;
/// every file is written to a temporary name and renamed, so a crash never leaves half of one.
/// </summary>
internal sealed class AgentIdentity
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _directory;

    private AgentIdentity(string directory, Tokens tokens, X509Certificate2 certificate, X509Certificate2 authority)
    {
        _directory = directory;
        Current = tokens;
        Certificate = certificate;
        Authority = authority;
    }

    public Tokens Current { get; private set; }

    /// <summary>The agent's certificate with its private key (its TLS server identity).</summary>
    public X509Certificate2 Certificate { get; private set; }

    /// <summary>The control plane's CA: the only issuer of the client certificate the agent accepts.</summary>
    public X509Certificate2 Authority { get; private set; }

    /// <summary>The stored identity; or, on a first start, a new one registered with <paramref name="registrationToken"/>.</summary>
    public static async Task<AgentIdentity> LoadOrRegisterAsync(string directory, HttpClient controlPlane, string? registrationToken, HostFacts facts,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory).UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var tokensPath = Path.Combine(directory, "tokens.json");
        if (File.Exists(tokensPath))
        {
            return await LoadAsync(directory, cancellationToken).ConfigureAwait(false);
        }

        if (registrationToken is null)
        {
            throw new InvalidOperationException("this agent has not registered yet: give --registration-token (from POST /v1/hosts)");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new
        {
            token = registrationToken, address = facts.Address, arch = facts.Arch, cpu_cores = facts.CpuCores, memory_mb = facts.MemoryMb,
            disk_gb = facts.DiskGb, csr_pem = SigningRequest(key, facts.Address),
        };
        using var reply = await controlPlane.PostAsJsonAsync("v1/hosts/register", request, cancellationToken).ConfigureAwait(false);
        var granted = await ReadGrantAsync(reply, "registration", cancellationToken).ConfigureAwait(false);
        await WriteAsync(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem(), cancellationToken).ConfigureAwait(false);
        await SaveAsync(directory, granted, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(directory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Trades the refresh token for new tokens (the old refresh token stops working).</summary>
    public async Task RefreshAsync(HttpClient controlPlane, CancellationToken cancellationToken)
    {
        using var reply = await controlPlane.PostAsJsonAsync("v1/hosts/auth/refresh", new { refresh_token = Current.RefreshToken }, cancellationToken)
            .ConfigureAwait(false);
        await SaveAsync(_directory, await ReadGrantAsync(reply, "token refresh", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var renewed = await LoadAsync(_directory, cancellationToken).ConfigureAwait(false);
        (Current, Certificate, Authority) = (renewed.Current, renewed.Certificate, renewed.Authority);
    }

    private static async Task<AgentIdentity> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        var tokens = JsonSerializer.Deserialize<Tokens>(await File.ReadAllTextAsync(Path.Combine(directory, "tokens.json"), cancellationToken).ConfigureAwait(false))
            ?? throw new InvalidDataException("tokens.json is empty");
        return new AgentIdentity(directory, tokens, LoadCertificate(directory), X509CertificateLoader.LoadCertificateFromFile(Path.Combine(directory, "ca.pem")));
    }

    private static async Task SaveAsync(string directory, Grant granted, CancellationToken cancellationToken)
    {
        await WriteAsync(Path.Combine(directory, "cert.pem"), granted.CertificatePem, cancellationToken).ConfigureAwait(false);
        await WriteAsync(Path.Combine(directory, "ca.pem"), granted.AuthorityPem, cancellationToken).ConfigureAwait(false);
        // The tokens last: a crash before this leaves the previous, still valid, identity.
        await WriteAsync(Path.Combine(directory, "tokens.json"), JsonSerializer.Serialize(granted.Tokens), cancellationToken).ConfigureAwait(false);
    }

    private static X509Certificate2 LoadCertificate(string directory)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        // Re-imported: SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static string SigningRequest(ECDsa key, string address)
    {
        var host = address[..address.LastIndexOf(':')].Trim('[', ']');
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(host, out var ip))
        {
            names.AddIpAddress(ip);
        }
        else
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        return request.CreateSigningRequestPem();
    }

    private static async Task<Grant> ReadGrantAsync(HttpResponseMessage reply, string what, CancellationToken cancellationToken)
    {
        if (!reply.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} refused by the control plane: {(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        var body = await reply.Content.ReadFromJsonAsync<GrantBody>(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{what}: empty answer");
        return new Grant(new Tokens(body.Host.Id, body.HostToken, body.RefreshToken), body.CertPem, body.CaCertPem);
    }

    private static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The agent's credentials toward the control plane.</summary>
    internal sealed record Tokens(
        [property: JsonPropertyName("host_id")] string HostId,
        [property: JsonPropertyName("host_token")] string HostToken,
        [property: JsonPropertyName("refresh_token")] string RefreshToken);

    private sealed record Grant(Tokens Tokens, string CertificatePem, string AuthorityPem);

    private sealed record GrantBody(
        [property: JsonPropertyName("host")] HostBody Host,
        [property: JsonPropertyName("host_token")] string HostToken,
        [property: JsonPropertyName("refresh_token")] string RefreshToken,
        [property: JsonPropertyName("cert_pem")] string CertPem,
        [property: JsonPropertyName("ca_cert_pem")] string CaCertPem);

    private sealed record HostBody([property: JsonPropertyName("id")] string Id);
}

/// <summary>What the agent tells its control plane about this machine when it registers.</summary>
internal sealed record HostFacts(string Address, string Arch, int CpuCores, long MemoryMb, long DiskGb)
{
    /// <summary>This machine, or as much of it as the operator offers (<paramref name="vcpus"/>, <paramref name="memoryMb"/>).</summary>
    public static HostFacts Of(string address, string dataDirectory, int? vcpus, long? memoryMb)
    {
        var machine = ThisMachine.Of(dataDirectory);
        return new HostFacts(address, machine.Arch, vcpus ?? machine.CpuCores, memoryMb ?? machine.MemoryMb, machine.DiskGb);
    }
}
