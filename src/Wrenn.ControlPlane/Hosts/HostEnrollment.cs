using System.Text.RegularExpressions;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// What a host's agent does with the control plane (spec §7.4): register once with its
/// registration token and a CSR, refresh its host token with its (rotating) refresh token, and
/// authenticate heartbeats with its host token.
/// </summary>
internal sealed partial class HostEnrollment(HostStore store, HostCertificates certificates, TimeProvider time)
{
    private static readonly ApiException BadToken = new(ApiErrorCode.Unauthorized, "the token is unknown, used or expired");

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Brings a pending host online with its capacity; the registration token is consumed only by
    /// a request that is otherwise valid (a mistake in the body does not burn it).
    /// </summary>
    public async Task<HostEnrollmentView> RegisterAsync(HostRegisterRequest body, CancellationToken cancellationToken)
    {
        ApiException.Require(body.Token is not null, "token is required");
        var capacity = Validate(body);
        ApiException.Require(body.CsrPem is { Length: > 0 }, "csr_pem is required");
        if (!HostTokens.IsWellFormed(body.Token))
        {
            throw BadToken;
        }

        var registration = HostTokens.Hash(body.Token!);
        var host = await store.FindRegistrationAsync(registration, Now, cancellationToken).ConfigureAwait(false) ?? throw BadToken;
        var certificate = await SignAsync(body.CsrPem!, host.HostId, HostAddress.HostOf(capacity.Address)!, cancellationToken).ConfigureAwait(false);
        var (credentials, hostToken, refreshToken) = NewCredentials();
        if (!await store.RegisterAsync(host.HostId, registration, capacity, credentials, Now, cancellationToken).ConfigureAwait(false))
        {
            throw BadToken;
        }

        return await ReplyAsync(host.HostId, credentials, hostToken, refreshToken, certificate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>New host and refresh tokens (the old refresh token stops working) and, given a CSR, a new certificate.</summary>
    public async Task<HostEnrollmentView> RefreshAsync(HostRefreshRequest body, CancellationToken cancellationToken)
    {
        ApiException.Require(body.RefreshToken is not null, "refresh_token is required");
        if (!HostTokens.IsWellFormed(body.RefreshToken))
        {
            throw BadToken;
        }

        var refresh = HostTokens.Hash(body.RefreshToken!);
        var host = await store.FindRefreshAsync(refresh, cancellationToken).ConfigureAwait(false) ?? throw BadToken;
        string? certificate = null;
        if (body.CsrPem is not null)
        {
            // Registration checked the address; the in-process host has none and no refresh token.
            certificate = await SignAsync(body.CsrPem, host.HostId, HostAddress.HostOf(host.Address)!, cancellationToken).ConfigureAwait(false);
        }

        var (credentials, hostToken, refreshToken) = NewCredentials();
        if (!await store.RotateAsync(host.HostId, refresh, credentials, Now, cancellationToken).ConfigureAwait(false))
        {
            throw BadToken;
        }

        return await ReplyAsync(host.HostId, credentials, hostToken, refreshToken, certificate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The host a heartbeat to <c>/v1/hosts/{id}</c> comes from: 404 if that host does not exist
    /// (deleted), 401 for a missing, unknown or expired token, 403 for another host's token.
    /// </summary>
    public async Task<HostId> AuthenticateHeartbeatAsync(string id, string? token, CancellationToken cancellationToken)
    {
        var host = HostId.TryParse(id, out var hostId) ? await store.GetAsync(hostId, cancellationToken).ConfigureAwait(false) : null;
        if (host is null)
        {
            throw ApiException.NotFound("host");
        }

        var holder = HostTokens.IsWellFormed(token) ? await store.HostTokenAsync(HostTokens.Hash(token!), cancellationToken).ConfigureAwait(false) : null;
        if (holder is not { } found || found.ExpiresAt <= Now)
        {
            throw new ApiException(ApiErrorCode.Unauthorized, "the host token is missing, unknown or expired");
        }

        return found.Id == host.Id ? hostId : throw new ApiException(ApiErrorCode.Forbidden, "the host token belongs to another host");
    }

    private static HostCapacity Validate(HostRegisterRequest body)
    {
        ApiException.Require(HostAddress.HostOf(body.Address) is not null, "address must be host:port (an IPv4 address, a DNS name or [IPv6], and a port 1-65535)");
        ApiException.Require(body.Arch is not null && Arch().IsMatch(body.Arch), "arch must be 1 to 32 letters, digits, '_' or '-' (e.g. x86_64)");
        ApiException.Require(body.CpuCores is >= 1 and <= 4096, "cpu_cores must be 1 to 4096");
        ApiException.Require(body.MemoryMb is >= 128 and <= 64L * 1024 * 1024, "memory_mb must be 128 to 67108864");
        ApiException.Require(body.DiskGb is >= 1 and <= 1024L * 1024, "disk_gb must be 1 to 1048576");
        return new HostCapacity(body.Address!, body.Arch!, body.CpuCores!.Value, body.MemoryMb!.Value, body.DiskGb!.Value);
    }

    private async Task<string> SignAsync(string csrPem, HostId host, string addressHost, CancellationToken cancellationToken) =>
        await certificates.SignHostAsync(csrPem, host, addressHost, cancellationToken).ConfigureAwait(false)
        ?? throw ApiException.Invalid("csr_pem must be a PEM PKCS#10 certificate request signed with its own key");

    private (HostCredentials Credentials, string HostToken, string RefreshToken) NewCredentials()
    {
        var hostToken = HostTokens.New();
        var refreshToken = HostTokens.New();
        var expires = Now + (long)HostTokens.HostTokenLifetime.TotalMilliseconds;
        return (new HostCredentials(HostTokens.Hash(hostToken), expires, HostTokens.Hash(refreshToken)), hostToken, refreshToken);
    }

    private async Task<HostEnrollmentView> ReplyAsync(
        HostId id, HostCredentials credentials, string hostToken, string refreshToken, string? certificate, CancellationToken cancellationToken)
    {
        var host = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound("host");
        return new HostEnrollmentView(
            HostView.Of(host), hostToken, DateTimeOffset.FromUnixTimeMilliseconds(credentials.HostTokenExpiresAt), refreshToken,
            certificate, await certificates.CaPemAsync(cancellationToken).ConfigureAwait(false));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex Arch();
}
