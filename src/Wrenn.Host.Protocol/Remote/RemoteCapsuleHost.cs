using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Wrenn.Agent.Protocol;

namespace Wrenn.Host.Protocol.Remote;

/// <summary>
/// A host on another machine (<c>wrenn agent</c>) behind <see cref="ICapsuleHost"/>: one gRPC
/// channel (HTTP/2, mutual TLS set up by the caller's handler) carries the host calls and every
/// relayed guest call. Crashes arrive on the host's event stream while <see cref="WatchAsync"/> runs.
/// </summary>
public sealed class RemoteCapsuleHost : ICapsuleHost, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Host.HostClient _host;

    /// <param name="address">The host's <c>https://host:port</c>.</param>
    /// <param name="handler">Presents the control plane's client certificate and trusts only the hosts' CA.</param>
    public RemoteCapsuleHost(Uri address, HttpMessageHandler handler)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            MaxSendMessageSize = 16 * 1024 * 1024,
        });
        _host = new Host.HostClient(_channel);
    }

    public event Action<CapsuleId, string>? Crashed;

    public event Action<CapsuleId, int>? SnapshotStored;

    public Task UseSnapshotStoreAsync(Protocol.SnapshotStoreSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var request = new StoreSettings
        {
            Location = settings.Location, Endpoint = settings.Endpoint ?? "", Region = settings.Region ?? "", AccessKey = settings.AccessKey ?? "", SecretKey = settings.SecretKey ?? "",
        };
        return CallAsync("snapshot store", async () => await _host.UseSnapshotStoreAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    public Task<HostedCapsule> CreateAsync(CapsuleSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var request = new CreateRequest
        {
            Id = spec.Id?.Value ?? string.Empty, Template = spec.Template, Vcpus = spec.Vcpus, MemoryMb = spec.MemoryMb, ColdBoot = spec.ColdBoot,
        };
        if (spec.TemplateBuild is { } build)
        {
            request.TemplateBuild = build;
        }

        return CallAsync("create", async () => Messages.FromMessage(await _host.CreateAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)));
    }

    public Task<int> PauseAsync(CapsuleId id, CancellationToken cancellationToken) =>
        CallAsync("pause", async () => (await _host.PauseAsync(Ref(id), cancellationToken: cancellationToken).ConfigureAwait(false)).Generation);

    public Task<HostedCapsule> ResumeAsync(CapsuleId id, int? stored, CancellationToken cancellationToken)
    {
        var request = new ResumeRequest { Id = id.Value };
        if (stored is { } generation)
        {
            request.StoredGeneration = generation;
        }

        return CallAsync("resume", async () => Messages.FromMessage(await _host.ResumeAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false)));
    }

    public Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken) =>
        CallAsync("delete", async () => await _host.DeleteAsync(Ref(id), cancellationToken: cancellationToken).ConfigureAwait(false));

    public Task<long> DiskUsageAsync(CapsuleId id, CancellationToken cancellationToken) =>
        CallAsync("disk usage", async () => (await _host.DiskUsageAsync(Ref(id), cancellationToken: cancellationToken).ConfigureAwait(false)).Bytes);

    /// <summary>Always a relay: whether the capsule runs there shows in the call's status.</summary>
    public GuestServices Guest(CapsuleId id) =>
        new(_channel.Intercept(metadata =>
        {
            metadata.Add(HostErrors.CapsuleHeader, id.Value);
            return metadata;
        }));

    public Task<HostTemplate> SnapshotToTemplateAsync(CapsuleId id, string name, GuestDefaults? defaults, CancellationToken cancellationToken)
    {
        var request = new SnapshotRequest { Id = id.Value, Name = name, Defaults = Messages.ToMessage(defaults) };
        return CallAsync("snapshot", async () =>
        {
            var reply = await _host.SnapshotToTemplateAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new HostTemplate(reply.Name, reply.Vcpus, reply.MemoryMb, reply.SizeBytes, Messages.FromMessage(reply.Defaults), reply.BuildId, reply.Stored);
        });
    }

    public Task<bool> HasTemplateAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("template lookup", async () => (await _host.HasTemplateAsync(new TemplateRef { Name = name }, cancellationToken: cancellationToken).ConfigureAwait(false)).Present);

    public Task<IReadOnlyList<string>> RemoveUnusedTemplatesAsync(IReadOnlySet<string> kept, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<string>>("template collection", async () =>
            (await _host.RemoveUnusedTemplatesAsync(new RemoveTemplatesRequest { Kept = { kept } }, cancellationToken: cancellationToken).ConfigureAwait(false)).Removed.ToList());

    public Task<HostInventory> InventoryAsync(CancellationToken cancellationToken) =>
        CallAsync("inventory", async () =>
        {
            var reply = await _host.InventoryAsync(new InventoryRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new HostInventory(reply.Running.Select(Messages.Id).ToHashSet(), reply.Paused.Select(Messages.Id).ToHashSet(),
                reply.Failed.ToDictionary(failed => Messages.Id(failed.Key), failed => failed.Value), reply.Stored.Select(Messages.Id).ToHashSet());
        });

    /// <summary>Raises <see cref="Crashed"/> and <see cref="SnapshotStored"/> for the host's events until cancelled; returns when the stream breaks.</summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var call = _host.Events(new EventsRequest(), cancellationToken: cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var message = call.ResponseStream.Current;
            if (!CapsuleId.TryParse(message.CapsuleId, out var id))
            {
                continue;
            }

            if (message.StoredGeneration > 0)
            {
                SnapshotStored?.Invoke(id, message.StoredGeneration);
            }
            else
            {
                Crashed?.Invoke(id, message.CrashReason);
            }
        }
    }

    public void Dispose() => _channel.Dispose();

    private static CapsuleRef Ref(CapsuleId id) => new() { Id = id.Value };

    private static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            throw HostErrors.FromRpc(exception, operation);
        }
        catch (HttpRequestException exception)
        {
            throw new HostUnavailableException($"{operation}: the host could not be reached", exception);
        }
    }
}
