using System.Collections.Frozen;

namespace Wrenn.ControlPlane.E2b.Envd;

/// <summary>
/// The methods of one of envd's Connect services: each one's handler and the route its requests
/// are counted under in the HTTP metrics, a name from this fixed set rather than the caller's path.
/// </summary>
internal sealed class RpcMethods<TService>(string service, Dictionary<string, Func<TService, HttpContext, SandboxCall, Task>> handlers)
{
    private readonly FrozenDictionary<string, (string Route, Func<TService, HttpContext, SandboxCall, Task> Serve)> _methods =
        handlers.ToFrozenDictionary(method => method.Key, method => ("envd " + service + method.Key, method.Value), StringComparer.Ordinal);

    private readonly string _unknownRoute = "envd " + service + "unknown";

    /// <summary>The method a request path names after this service's name (<c>/process.Process/Start</c>); null when it names none.</summary>
    public string? MethodOf(string path)
    {
        var at = path.LastIndexOf(service, StringComparison.Ordinal);
        return at < 0 ? null : path[(at + service.Length)..];
    }

    public string RouteOf(string method) => _methods.TryGetValue(method, out var known) ? known.Route : _unknownRoute;

    public Task ServeAsync(TService rpc, HttpContext context, SandboxCall call, string method) =>
        _methods.TryGetValue(method, out var known) ? known.Serve(rpc, context, call) : throw new ConnectException(ConnectCode.Unimplemented, "no such method");
}
