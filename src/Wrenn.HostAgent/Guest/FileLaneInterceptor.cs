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
