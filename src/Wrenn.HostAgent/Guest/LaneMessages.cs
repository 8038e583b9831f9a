using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.HostAgent.Guest;

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
