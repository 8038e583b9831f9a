using Yarp.ReverseProxy.Forwarder;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// What the proxy changes on the way to the guest (spec §6): the Host header goes as received,
/// X-Forwarded-For/-Proto/-Host are added, and the API key never reaches the guest. Hop-by-hop
/// headers are already dropped by the forwarder; responses pass untouched.
/// </summary>
internal sealed class ForwardedHeaders : HttpTransformer
{
    public static readonly ForwardedHeaders Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var request = httpContext.Request;
        proxyRequest.Headers.Host = request.Host.Value;
        proxyRequest.Headers.Remove("X-API-Key");
        var client = httpContext.Connection.RemoteIpAddress?.ToString();
        var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
        proxyRequest.Headers.Remove("X-Forwarded-For");
        if (client is not null)
        {
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Length > 0 ? $"{forwardedFor}, {client}" : client);
        }

        proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        proxyRequest.Headers.Remove("X-Forwarded-Host");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
    }
}
