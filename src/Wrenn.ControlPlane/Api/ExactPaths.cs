using Microsoft.AspNetCore.Routing.Patterns;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Paths are case-sensitive (spec §1.1): ASP.NET's routing matches literals ignoring case, so a
/// route matched by, say, <c>/HEALTH</c> is dropped here and the request answered 404.
/// </summary>
internal sealed class ExactPaths(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        // The /api prefix (UsePathBase) matches ignoring case too.
        var prefix = context.Request.PathBase.Value;
        if (context.GetEndpoint() is RouteEndpoint endpoint
            && (!LiteralsMatch(endpoint.RoutePattern, context.Request.Path.Value ?? string.Empty) || prefix is { Length: > 0 } and not "/api"))
        {
            context.SetEndpoint(null);
        }

        return next(context);
    }

    private static bool LiteralsMatch(RoutePattern pattern, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < pattern.PathSegments.Count && i < segments.Length; i++)
        {
            if (pattern.PathSegments[i].Parts is [RoutePatternLiteralPart literal] && !string.Equals(literal.Content, segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
