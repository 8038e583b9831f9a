using Grpc.Core;

namespace Wrenn.Agent.Protocol;

/// <summary>Encodes and decodes <see cref="AgentErrorCode"/> on gRPC statuses.</summary>
public static class AgentErrors
{
    /// <summary>Trailer holding the <see cref="AgentErrorCode"/> of a failed call.</summary>
    public const string TrailerKey = "wrenn-error";

    private static readonly Dictionary<AgentErrorCode, string> Names = Enum.GetValues<AgentErrorCode>()
        .ToDictionary(code => code, ToSnakeCase);

    private static readonly Dictionary<string, AgentErrorCode> Codes =
        Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>The wire name of a code, e.g. <c>not_found</c>.</summary>
    public static string WireName(this AgentErrorCode code) => Names[code];

    /// <summary>An exception that fails the current call with <paramref name="code"/>.</summary>
    public static RpcException Exception(AgentErrorCode code, string detail)
    {
        var trailers = new Metadata { { TrailerKey, code.WireName() } };
        return new RpcException(new Status(StatusFor(code), detail), trailers);
    }

    /// <summary>The code carried by a failed call, or <see cref="AgentErrorCode.Unknown"/>.</summary>
    public static AgentErrorCode CodeOf(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var value = exception.Trailers.GetValue(TrailerKey);
        if (value is not null && Codes.TryGetValue(value, out var code))
        {
            return code;
        }

        return exception.StatusCode == StatusCode.Unauthenticated ? AgentErrorCode.Unauthenticated : AgentErrorCode.Unknown;
    }

    private static StatusCode StatusFor(AgentErrorCode code) => code switch
    {
        AgentErrorCode.Unauthenticated => StatusCode.Unauthenticated,
        AgentErrorCode.NotFound => StatusCode.NotFound,
        AgentErrorCode.Conflict => StatusCode.AlreadyExists,
        AgentErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        AgentErrorCode.NoSpace or AgentErrorCode.TooLarge or AgentErrorCode.ObserverLagged => StatusCode.ResourceExhausted,
        AgentErrorCode.PortUnreachable => StatusCode.Unavailable,
        AgentErrorCode.AttachedElsewhere => StatusCode.Aborted,
        AgentErrorCode.Unknown => StatusCode.Internal,
        _ => StatusCode.FailedPrecondition,
    };

    private static string ToSnakeCase(AgentErrorCode code)
    {
        var name = code.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
