using Grpc.Core;

namespace Wrenn.Agent.Protocol.Rpc;

/// <summary>
/// The server's methods by full name, filled by the generated <c>BindService(ServiceBinderBase, …)</c>
/// of each service (agent.proto): the services stay plain gRPC service classes, whatever carries
/// their calls.
/// </summary>
public sealed class RpcMethodTable : ServiceBinderBase
{
    private readonly Dictionary<string, Func<RpcServerCall, Task>> _handlers = new(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(method.FullName, async call =>
        {
            var request = await call.ReadRequestAsync(method.RequestMarshaller).ConfigureAwait(false);
            var response = await handler(request, call).ConfigureAwait(false);
            await call.WriteAsync(response, method.ResponseMarshaller).ConfigureAwait(false);
        });
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(method.FullName, async call =>
        {
            var response = await handler(call.Reader(method.RequestMarshaller), call).ConfigureAwait(false);
            await call.WriteAsync(response, method.ResponseMarshaller).ConfigureAwait(false);
        });
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(method.FullName, async call =>
        {
            var request = await call.ReadRequestAsync(method.RequestMarshaller).ConfigureAwait(false);
            await handler(request, call.Writer(method.ResponseMarshaller), call).ConfigureAwait(false);
        });
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(method.FullName,
            call => handler(call.Reader(method.RequestMarshaller), call.Writer(method.ResponseMarshaller), call));
    }

    internal Func<RpcServerCall, Task>? Find(string method) => _handlers.GetValueOrDefault(method);
}
