using Grpc.Core;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Security;

/// <summary>Refuses every call that does not carry the current secret as a bearer token.</summary>
internal sealed class SecretCheck(AgentSecret secret)
{
    private const string Scheme = "Bearer ";

    public void Authorize(Metadata headers)
    {
        var header = headers.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.Ordinal) || !secret.Matches(header[Scheme.Length..]))
        {
            throw AgentErrors.Exception(AgentErrorCode.Unauthenticated, "bad or missing secret");
        }
    }
}
