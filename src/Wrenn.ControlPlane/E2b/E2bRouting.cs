namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// Finds the requests of E2B's REST API: those under <see cref="ControlPlaneOptions.E2bPath"/>
/// (also below <c>/api</c>), and every request to <c>api.&lt;proxy_domain&gt;</c>, the host E2B's
/// SDKs call when given <c>E2B_DOMAIN</c>, whose paths are taken as under the E2B path. Their
/// failures are written in E2B's shape (<see cref="E2bErrors"/>).
/// </summary>
internal sealed class E2bRouting(RequestDelegate next, ControlPlaneOptions options)
{
    private readonly string? _apiHost = options.ProxyDomain is { } domain ? "api." + domain : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (options.E2bPath is { } path)
        {
            var request = context.Request;
            if (_apiHost is not null && request.Host.Host.Equals(_apiHost, StringComparison.OrdinalIgnoreCase) && !request.Path.StartsWithSegments(path))
            {
                request.Path = new PathString(path).Add(request.Path);
            }

            if (request.Path.StartsWithSegments(path) || request.Path.StartsWithSegments("/api" + path))
            {
                E2bErrors.ClaimFor(context);
            }
        }

        return next(context);
    }
}
