using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Wrenn.Agent.Protocol;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.HostAgent.Guest;

/// <summary>
/// Moves the bytes of Files.Read and Files.Write calls onto the guest's file lane
/// (docs/file-lane.md), whoever makes them — this host's control plane with typed messages, or a
/// relayed one with opaque bytes: callers see the same messages either way.
/// </summary>
internal sealed class FileLaneInterceptor(FileLaneConnector lane) : Interceptor
{
    private static readonly string ReadMethod = $"/{Files.Descriptor.FullName}/Read";
    private static readonly string WriteMethod = $"/{Files.Descriptor.FullName}/Write";

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (context.Method.FullName != ReadMethod || !lane.IsOpen)
        {
            return continuation(request, context);
        }

        var ticket = RandomNumberGenerator.GetBytes(FileLane.TicketBytes);
        var offer = LaneMessages.As(request, context.Method.RequestMarshaller, ReadRequest.Parser).Clone();
        offer.LaneTicket = UnsafeByteOperations.UnsafeWrap(ticket);
        var reader = new FileLaneReader<TResponse>(lane, ticket, context.Method.ResponseMarshaller,
            offered: () => continuation(LaneMessages.From(offer, context.Method.RequestMarshaller), context),
            plain: () => continuation(request, context));
        return new AsyncServerStreamingCall<TResponse>(reader, reader.ResponseHeadersAsync, reader.GetStatus, reader.GetTrailers, reader.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var call = continuation(context);
        if (context.Method.FullName != WriteMethod || !lane.IsOpen)
        {
            return call;
        }

        var writer = new FileLaneWriter<TRequest>(call.RequestStream, context.Method.RequestMarshaller, lane, call.ResponseAsync);
        return new AsyncClientStreamingCall<TRequest, TResponse>(writer, call.ResponseAsync, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
        {
            writer.Dispose();
            call.Dispose();
        });
    }
}

/// <summary>The agent's messages as the lane needs them, whether a caller passes them typed or as their bytes.</summary>
internal static class LaneMessages
{
    public static TMessage As<T, TMessage>(T value, Marshaller<T> marshaller, MessageParser<TMessage> parser)
        where TMessage : IMessage<TMessage> =>
        value is TMessage typed ? typed : parser.ParseFrom(marshaller.Serializer(value));

    public static T From<T, TMessage>(TMessage message, Marshaller<T> marshaller)
        where TMessage : IMessage<TMessage> =>
        message is T typed ? typed : marshaller.Deserializer(message.ToByteArray());

    /// <summary>
    /// What to throw when the lane connection broke: the guest's own answer if it gave one (it
    /// usually closed the connection because it failed the call), else "unavailable".
    /// </summary>
    public static async Task<RpcException> FailureAsync(Task call)
    {
        await Task.WhenAny(call, Task.Delay(FileLane.HandOverTimeout)).ConfigureAwait(false);
        return call.Exception?.InnerException as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, "the file lane closed"));
    }
}
