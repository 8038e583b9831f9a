using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Dashboard;

/// <summary>
/// Serves the built dashboard (src/Wrenn.Dashboard) at <c>/</c>: hashed files under <c>/assets</c>,
/// sent pre-compressed when the browser accepts it and cached for good; any other page a browser
/// asks for gets <c>index.html</c>, whose script routes it. API paths, and requests that do not ask
/// for HTML, pass through to the API (an unknown route stays a JSON 404). See docs/dashboard.md.
/// </summary>
internal sealed class DashboardAssets(RequestDelegate next, DashboardFiles files)
{
    private const string AssetsPrefix = "/assets/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly string[] ApiPrefixes = ["/v1", "/api", "/health", "/metrics", "/openapi.json"];

    private readonly IFileProvider? _files = files.Provider;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (_files is null || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || IsApi(path))
        {
            return next(context);
        }

        if (path.StartsWith(AssetsPrefix, StringComparison.Ordinal))
        {
            return SendAsync(context, path, DashboardHeaders.Immutable, HeaderNames.AcceptEncoding);
        }

        // The same path is the page for a browser and the API's JSON 404 for anyone else.
        return AcceptsHtml(request) ? SendAsync(context, "/index.html", DashboardHeaders.Revalidate, $"{HeaderNames.Accept}, {HeaderNames.AcceptEncoding}") : next(context);
    }

    private static bool IsApi(string path) =>
        ApiPrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && (path.Length == prefix.Length || path[prefix.Length] == '/'));

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(type => type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && type.Quality is not 0);

    private async Task SendAsync(HttpContext context, string path, string cacheControl, string vary)
    {
        var file = _files!.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory || !ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        HttpMetrics.Name(context, "dashboard");
        var response = context.Response;
        var (sent, encoding) = Encoded(context.Request, path, file);
        response.ContentType = contentType;
        response.ContentLength = sent.Length;
        response.Headers.CacheControl = cacheControl;
        response.Headers.Vary = vary;
        if (encoding is not null)
        {
            response.Headers.ContentEncoding = encoding;
        }

        DashboardHeaders.Apply(response.Headers);
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.SendFileAsync(sent, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The Brotli or gzip copy the build wrote beside the file, when the browser takes it.</summary>
    private (IFileInfo File, string? Encoding) Encoded(HttpRequest request, string path, IFileInfo file)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        foreach (var (encoding, suffix) in (ReadOnlySpan<(string, string)>)[("br", ".br"), ("gzip", ".gz")])
        {
            if (accepted.Any(value => value.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) && value.Quality is not 0)
                && _files!.GetFileInfo(path + suffix) is { Exists: true } copy)
            {
                return (copy, encoding);
            }
        }

        return (file, null);
    }
}
