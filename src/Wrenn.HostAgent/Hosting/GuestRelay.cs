using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.Host.Protocol;

namespace Wrenn.HostAgent.Hosting;

/// <summary>
/// Serves the guest agent's services (agent.proto) to a control plane on another machine by
/// relaying each call, as opaque messages, to the capsule its <see cref="HostErrors.CapsuleHeader"/>
/// names — over that capsule's own authenticated link. Statuses and trailers (the agent's typed
/// errors) come back unchanged; cancelling the call cancels the guest call.
/// </summary>
public sealed class GuestRelay(LocalCapsuleHost host)
{
    public async Task<byte[]> UnaryAsync(Method<byte[], byte[]> method, byte[] request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var call = Invoker(context).AsyncUnaryCall(method, null, Options(context), request);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    public async Task ServerStreamingAsync(Method<byte[], byte[]> method, byte[] request, IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var call = Invoker(context).AsyncServerStreamingCall(method, null, Options(context), request);
        await CopyAsync(call.ResponseStream, responses, context.CancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]> ClientStreamingAsync(Method<byte[], byte[]> method, IAsyncStreamReader<byte[]> requests, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var call = Invoker(context).AsyncClientStreamingCall(method, null, Options(context));
        await CopyAsync(requests, call.RequestStream, context.CancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    public async Task DuplexStreamingAsync(Method<byte[], byte[]> method, IAsyncStreamReader<byte[]> requests, IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var call = Invoker(context).AsyncDuplexStreamingCall(method, null, Options(context));
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var upstream = Task.Run(async () =>
        {
            await CopyAsync(requests, call.RequestStream, done.Token).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }, CancellationToken.None);
        try
        {
            await CopyAsync(call.ResponseStream, responses, context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The guest ended the call (or the caller left): what the caller still sends has nowhere to go.
            await done.CancelAsync().ConfigureAwait(false);
            try
            {
                await upstream.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // Expected once either side has ended.
            }
        }
    }

    private CallInvoker Invoker(ServerCallContext context)
    {
        var id = context.RequestHeaders.GetValue(HostErrors.CapsuleHeader);
        if (!CapsuleId.TryParse(id, out var capsule))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "no capsule named"));
        }

        return host.Guest(capsule)?.Invoker ?? throw new RpcException(new Status(StatusCode.Unavailable, "the capsule is not running on this host"));
    }

    private static CallOptions Options(ServerCallContext context) =>
        new(deadline: context.Deadline == DateTime.MaxValue ? null : context.Deadline, cancellationToken: context.CancellationToken);

    private static async Task CopyAsync(IAsyncStreamReader<byte[]> from, IAsyncStreamWriter<byte[]> to, CancellationToken cancellationToken)
    {
        while (await from.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            await to.WriteAsync(from.Current, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Declares every method of the guest agent's services on <see cref="GuestRelay"/>, typed by its streaming shape.</summary>
public sealed class GuestRelayMethods : IServiceMethodProvider<GuestRelay>
{
    private static readonly Marshaller<byte[]> Opaque = Marshallers.Create(bytes => bytes, bytes => bytes);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<GuestRelay> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var service in new[] { Machine.Descriptor, Processes.Descriptor, Pty.Descriptor, Files.Descriptor, Tunnel.Descriptor })
        {
            foreach (var descriptor in service.Methods)
            {
                var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
                {
                    (false, false) => MethodType.Unary,
                    (false, true) => MethodType.ServerStreaming,
                    (true, false) => MethodType.ClientStreaming,
                    (true, true) => MethodType.DuplexStreaming,
                };
                var method = new Method<byte[], byte[]>(type, service.FullName, descriptor.Name, Opaque, Opaque);
                switch (type)
                {
                    case MethodType.Unary:
                        context.AddUnaryMethod(method, [], (relay, request, call) => relay.UnaryAsync(method, request, call));
                        break;
                    case MethodType.ServerStreaming:
                        context.AddServerStreamingMethod(method, [], (relay, request, responses, call) => relay.ServerStreamingAsync(method, request, responses, call));
                        break;
                    case MethodType.ClientStreaming:
                        context.AddClientStreamingMethod(method, [], (relay, requests, call) => relay.ClientStreamingAsync(method, requests, call));
                        break;
                    default:
                        context.AddDuplexStreamingMethod(method, [], (relay, requests, responses, call) => relay.DuplexStreamingAsync(method, requests, responses, call));
                        break;
                }
            }
        }
    }
}
