using System.Threading.Channels;
using Grpc.Core;
using Wrenn.Host.Protocol;
using Wrenn.Host.Protocol.Remote;

namespace Wrenn.HostAgent.Hosting;

/// <summary>
/// host.proto's Host service: what a <c>wrenn agent</c> does for its control plane, mapped onto this
/// machine's <see cref="LocalCapsuleHost"/>. Expected failures travel as their <see cref="CapsuleFailure"/>.
/// </summary>
public sealed class HostService(LocalCapsuleHost host) : Host.Protocol.Remote.Host.HostBase
{
    public override Task<CapsuleReply> Create(CreateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var spec = new CapsuleSpec(request.Template, request.Vcpus, request.MemoryMb, request.ColdBoot, Messages.Id(request.Id),
            request.HasTemplateBuild ? request.TemplateBuild : null);
        return Answer(async () => Messages.ToMessage(await host.CreateAsync(spec, context.CancellationToken).ConfigureAwait(false)));
    }

    // Not cut short by a control plane that gives up: a pause finishes or fails as a whole.
    public override Task<PauseReply> Pause(CapsuleRef request, ServerCallContext context) =>
        Answer(async () => new PauseReply { Generation = await host.PauseAsync(Id(request), CancellationToken.None).ConfigureAwait(false) });

    public override Task<CapsuleReply> Resume(ResumeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Answer(async () => Messages.ToMessage(await host.ResumeAsync(Messages.Id(request.Id), request.HasStoredGeneration ? request.StoredGeneration : null,
            CancellationToken.None).ConfigureAwait(false)));
    }

    public override Task<Done> UseSnapshotStore(StoreSettings request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = new Host.Protocol.SnapshotStoreSettings(request.Location, Blank(request.Endpoint), Blank(request.Region), Blank(request.AccessKey), Blank(request.SecretKey));
        return Answer(async () =>
        {
            try
            {
                await host.UseSnapshotStoreAsync(settings, context.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "malformed snapshot store settings"));
            }

            return new Done();
        });
    }

    public override Task<Done> Delete(CapsuleRef request, ServerCallContext context) =>
        Answer(async () =>
        {
            await host.DeleteAsync(Id(request), CancellationToken.None).ConfigureAwait(false);
            return new Done();
        });

    public override Task<DiskUsageReply> DiskUsage(CapsuleRef request, ServerCallContext context) =>
        Answer(async () => new DiskUsageReply { Bytes = await host.DiskUsageAsync(Id(request), context.CancellationToken).ConfigureAwait(false) });

    public override Task<TemplateReply> SnapshotToTemplate(SnapshotRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Answer(async () =>
        {
            var template = await host.SnapshotToTemplateAsync(Messages.Id(request.Id), request.Name, Messages.FromMessage(request.Defaults), CancellationToken.None)
                .ConfigureAwait(false);
            return new TemplateReply
            {
                Name = template.Name, Vcpus = template.Vcpus, MemoryMb = template.MemoryMb, SizeBytes = template.SizeBytes,
                Defaults = Messages.ToMessage(template.Defaults), BuildId = template.BuildId, Stored = template.Stored,
            };
        });
    }

    public override Task<HasTemplateReply> HasTemplate(TemplateRef request, ServerCallContext context) =>
        Answer(async () => new HasTemplateReply { Present = await host.HasTemplateAsync(request.Name, context.CancellationToken).ConfigureAwait(false) });

    public override Task<RemoveTemplatesReply> RemoveUnusedTemplates(RemoveTemplatesRequest request, ServerCallContext context) =>
        Answer(async () => new RemoveTemplatesReply
        {
            Removed = { await host.RemoveUnusedTemplatesAsync(request.Kept.ToHashSet(StringComparer.Ordinal), context.CancellationToken).ConfigureAwait(false) },
        });

    public override Task<InventoryReply> Inventory(InventoryRequest request, ServerCallContext context) =>
        Answer(async () =>
        {
            var inventory = await host.InventoryAsync(context.CancellationToken).ConfigureAwait(false);
            var reply = new InventoryReply
            {
                Running = { inventory.Running.Select(id => id.Value) },
                Paused = { inventory.Paused.Select(id => id.Value) },
                Stored = { inventory.Stored.Select(id => id.Value) },
            };
            foreach (var (id, reason) in inventory.Failed)
            {
                reply.Failed[id.Value] = reason;
            }

            return reply;
        });

    public override async Task Events(EventsRequest request, IServerStreamWriter<HostEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var events = Channel.CreateBounded<HostEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnCrashed(CapsuleId id, string reason) => events.Writer.TryWrite(new HostEvent { CapsuleId = id.Value, CrashReason = reason });
        void OnStored(CapsuleId id, int generation) => events.Writer.TryWrite(new HostEvent { CapsuleId = id.Value, StoredGeneration = generation });
        host.Crashed += OnCrashed;
        host.SnapshotStored += OnStored;
        try
        {
            await foreach (var message in events.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(message, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The control plane closed the stream.
        }
        finally
        {
            host.Crashed -= OnCrashed;
            host.SnapshotStored -= OnStored;
        }
    }

    private static CapsuleId Id(CapsuleRef request) => Messages.Id(request.Id);

    private static string? Blank(string text) => text.Length == 0 ? null : text;

    private static async Task<T> Answer<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (CapsuleException exception)
        {
            throw HostErrors.ToRpc(exception);
        }
        catch (FormatException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "malformed capsule id"));
        }
    }
}
