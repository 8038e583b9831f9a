using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Wrenn.ControlPlane.Capsules;
using Wrenn.Host.Protocol;
using Wrenn.Host.Protocol.Remote;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Keeps a connection to every registered remote host (from the hosts table, which several control
/// planes may share): mutual TLS with the control plane's CA, one HTTP/2 connection per host. Each
/// time a connection is (re)made the host's capsules are reconciled with what it really has, then
/// its crash and upload events are followed until the connection breaks.
/// </summary>
internal sealed partial class HostLinks(
    CapsuleHosts hosts, HostStore store, HostCertificates certificates, CapsuleReconciler reconciler, CapsuleLifecycle lifecycle, TimeProvider time,
    ILogger<HostLinks> logger) : BackgroundService
{
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = await certificates.ClientCertificateAsync(stoppingToken).ConfigureAwait(false);
        var authority = await certificates.CaCertificateAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(ScanInterval, time);
        do
        {
            try
            {
                var registered = (await store.ListAsync(null, stoppingToken).ConfigureAwait(false))
                    .Where(host => host.Address is { } address && address != LocalHost.Address && host.Status != HostStatus.Pending).ToList();
                foreach (var row in registered.Where(host => !hosts.RemoteIds.Contains(host.Id)))
                {
                    var remote = new RemoteCapsuleHost(new Uri($"https://{row.Address}"), Handler(client, authority));
                    hosts.Add(row.Id, remote);
                    _ = FollowAsync(row.Id, remote, stoppingToken);
                }

                foreach (var gone in hosts.RemoteIds.Except(registered.Select(host => host.Id)).ToList())
                {
                    hosts.Remove(gone);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogScanFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Reconciles, then follows crash events; again after every break, until the host is removed or the server stops.</summary>
    private async Task FollowAsync(string hostId, RemoteCapsuleHost host, CancellationToken stoppingToken)
    {
        void OnCrashed(CapsuleId id, string reason) => lifecycle.OnCrashed(host, id, reason);
        void OnStored(CapsuleId id, int generation) => lifecycle.OnSnapshotStored(hostId, id, generation);
        host.Crashed += OnCrashed;
        host.SnapshotStored += OnStored;
        try
        {
            while (!stoppingToken.IsCancellationRequested && hosts.For(hostId) == host)
            {
                try
                {
                    await reconciler.ReconcileAsync(hostId, host, stoppingToken).ConfigureAwait(false);
                    hosts.SetConnected(hostId, connected: true);
                    LogConnected(logger, hostId);
                    await host.WatchAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is HostUnavailableException or CapsuleException or RpcException or HttpRequestException or IOException
                    or ObjectDisposedException)
                {
                    LogConnectionBroken(logger, hostId, exception.Message);
                }

                hosts.SetConnected(hostId, connected: false);

                await Task.Delay(RetryDelay, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server stops.
        }
        finally
        {
            host.Crashed -= OnCrashed;
            host.SnapshotStored -= OnStored;
        }
    }

    private static SocketsHttpHandler Handler(X509Certificate2 client, X509Certificate2 authority) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [client],
            // The host's name must match its certificate; its chain is judged against our CA only.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && HostTls.IsIssuedFor(certificate as X509Certificate2, authority, HostTls.ServerAuth),
        },
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
    };

    [LoggerMessage(EventId = 4971, Level = LogLevel.Warning, Message = "Scanning the registered hosts failed")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4972, Level = LogLevel.Information, Message = "Connected to host {Host}; its capsules are reconciled")]
    private static partial void LogConnected(ILogger logger, string host);

    [LoggerMessage(EventId = 4973, Level = LogLevel.Information, Message = "Connection to host {Host} lost ({Reason}); retrying")]
    private static partial void LogConnectionBroken(ILogger logger, string host, string reason);
}
