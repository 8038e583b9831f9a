using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.E2b.Envd;

namespace Wrenn.ControlPlane.E2b.Interpreter;

/// <summary>
/// E2B's code interpreter (<c>@e2b/code-interpreter</c>: port 49999 of a sandbox) on the Jupyter
/// kernels of a <c>code-runner-beta</c> capsule: <c>POST /execute</c> streams a run's output as
/// NDJSON lines (stdout, stderr, result, error, number_of_executions, end_of_execution) and
/// contexts are kernels (the default context is the template's warm kernel, created ones use the
/// <see cref="JupyterKernels.ContextSpec"/> kernel spec). Figures carry E2B's chart data from the
/// template's <c>wrenn_e2b_charts</c>, switched on in a kernel by its first run here.
/// </summary>
internal sealed class CodeInterpreter(JupyterKernels kernels, TimeProvider time)
{
    public const int Port = 49999;

    private const string DefaultCwd = "/home/user";

    // The working directory each created context was given (E2B lists it; Jupyter does not know it).
    private readonly ConcurrentDictionary<string, string> _cwds = new(StringComparer.Ordinal);

    public async Task ServeAsync(HttpContext context, SandboxCall call, bool tokenValid)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.LastIndexOf(segments, "contexts");
        try
        {
            switch (request.Method, path)
            {
                case ("POST", _) when path.EndsWith("/execute", StringComparison.Ordinal):
                    if (!tokenValid)
                    {
                        throw new InterpreterException(StatusCodes.Status401Unauthorized, "unauthorized access, invalid access token");
                    }

                    await ExecuteAsync(context, call).ConfigureAwait(false);
                    return;
                case ("GET", _) when path.EndsWith("/health", StringComparison.Ordinal):
                    await context.Response.WriteAsync("\"OK\"", context.RequestAborted).ConfigureAwait(false);
                    return;
                case ("POST", _) when at == segments.Length - 1 && at >= 0:
                    await CreateContextAsync(context, call).ConfigureAwait(false);
                    return;
                case ("GET", _) when at == segments.Length - 1 && at >= 0:
                    await ListContextsAsync(context, call).ConfigureAwait(false);
                    return;
                case ("DELETE", _) when at >= 0 && at == segments.Length - 2:
                    await kernels.DeleteAsync(call.Record.Id, await ContextKernelAsync(call, segments[at + 1], context.RequestAborted).ConfigureAwait(false), context.RequestAborted)
                        .ConfigureAwait(false);
                    _cwds.TryRemove(segments[at + 1], out _);
                    return;
                case ("POST", _) when at >= 0 && at == segments.Length - 3 && segments[^1] == "restart":
                    var restarted = await ContextKernelAsync(call, segments[at + 1], context.RequestAborted).ConfigureAwait(false);
                    await kernels.RestartAsync(call.Record.Id, restarted, context.RequestAborted).ConfigureAwait(false);
                    return;
                default:
                    throw new InterpreterException(StatusCodes.Status404NotFound, "no such route on the code interpreter");
            }
        }
        catch (InterpreterException failure) when (!context.Response.HasStarted)
        {
            await E2bErrors.WriteAsync(context, failure.Status, failure.Message).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(HttpContext context, SandboxCall call)
    {
        var body = await ApiJson.ReadElementAsync(context.Request).ConfigureAwait(false) ?? throw ApiException.Invalid("the body must be a JSON object");
        var code = Text(body, "code") ?? throw ApiException.Invalid("code is required");
        var contextId = Text(body, "context_id");
        var language = Text(body, "language");
        ApiException.Require(contextId is null || language is null, "give context_id or language, not both");
        ApiException.Require(language is null or "python", "only python is available here");
        var env = body.TryGetProperty("env_vars", out var vars) && vars.ValueKind == JsonValueKind.Object
            ? vars.EnumerateObject().ToDictionary(pair => pair.Name, pair => pair.Value.ToString(), StringComparer.Ordinal)
            : [];
        var cancellation = context.RequestAborted;
        var kernel = contextId is null
            ? await DefaultKernelAsync(call, cancellation).ConfigureAwait(false)
            : await ContextKernelAsync(call, contextId, cancellation).ConfigureAwait(false);
        await using var channel = new KernelChannel(await kernels.ConnectAsync(call.Record.Id, kernel, cancellation).ConfigureAwait(false), time);

        // The kernel takes requests in order: its setup and the run's variables go right before the
        // code, and the variables are undone right behind it, all sent at once, so that neither a
        // client that leaves mid-run nor another run of the same context can leave them behind. The
        // saved values are the run's own (one name per run).
        var saved = "_wrenn_env_" + Guid.NewGuid().ToString("N");
        var before = KernelSetup(toDefaultCwd: contextId is null) + (env.Count == 0 ? string.Empty : "\n" + EnvironmentCode(
            $"{saved} = {{k: _os.environ.get(k) for k in _wanted}}; _os.environ.update(_wanted)", env));
        var restore = env.Count == 0 ? null : EnvironmentCode(
            $"for _k, _v in {saved}.items():\n    _os.environ.pop(_k, None) if _v is None else _os.environ.__setitem__(_k, _v)\ndel {saved}, _k, _v", env);
        var response = context.Response;
        response.ContentType = "application/x-ndjson";
        await response.StartAsync(cancellation).ConfigureAwait(false);
        await foreach (var (type, content) in channel.ExecuteAsync(code, silent: false, before, restore, cancellation).ConfigureAwait(false))
        {
            if (LineOf(type, content) is { } line)
            {
                await response.WriteAsync(line.ToJsonString() + "\n", cancellation).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellation).ConfigureAwait(false);
            }
        }

        await response.WriteAsync("{\"type\":\"end_of_execution\"}\n", cancellation).ConfigureAwait(false);
    }

    /// <summary>E2B's NDJSON line for a kernel message; null for those it has none for.</summary>
    private JsonObject? LineOf(string type, JsonObject content)
    {
        var now = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return type switch
        {
            "stream" => new JsonObject { ["type"] = content["name"]?.GetValue<string>() == "stderr" ? "stderr" : "stdout", ["text"] = content["text"]?.DeepClone(), ["timestamp"] = now },
            "execute_input" => new JsonObject { ["type"] = "number_of_executions", ["execution_count"] = content["execution_count"]?.DeepClone() },
            "execute_result" or "display_data" => ResultOf(content["data"] as JsonObject ?? [], isMain: type == "execute_result"),
            "error" => new JsonObject
            {
                ["type"] = "error", ["name"] = content["ename"]?.DeepClone(), ["value"] = content["evalue"]?.DeepClone(),
                ["traceback"] = string.Join('\n', (content["traceback"] as JsonArray ?? []).Select(line => line?.GetValue<string>())),
            },
            _ => null,
        };
    }

    /// <summary>A result line: each MIME type under E2B's name for it, others under <c>extra</c>.</summary>
    private static JsonObject ResultOf(JsonObject data, bool isMain)
    {
        var line = new JsonObject { ["type"] = "result", ["is_main_result"] = isMain };
        var extra = new JsonObject();
        foreach (var (mime, value) in data)
        {
            var name = mime switch
            {
                "text/plain" => "text",
                "text/html" => "html",
                "text/markdown" => "markdown",
                "image/svg+xml" => "svg",
                "image/png" => "png",
                "image/jpeg" => "jpeg",
                "application/pdf" => "pdf",
                "text/latex" => "latex",
                "application/json" => "json",
                "application/javascript" => "javascript",
                "e2b/data" => "data",
                "e2b/chart" => "chart",
                _ => null,
            };
            if (name is null)
            {
                extra[mime] = value?.DeepClone();
            }
            else
            {
                line[name] = value?.DeepClone();
            }
        }

        if (extra.Count > 0)
        {
            line["extra"] = extra;
        }

        return line;
    }

    private async Task CreateContextAsync(HttpContext context, SandboxCall call)
    {
        var body = await ApiJson.ReadElementAsync(context.Request).ConfigureAwait(false);
        var language = body is { } given ? Text(given, "language") : null;
        var cwd = (body is { } withCwd ? Text(withCwd, "cwd") : null) ?? DefaultCwd;
        ApiException.Require(language is null or "python", "only python is available here");
        ApiException.Require(cwd.StartsWith('/'), "cwd must be an absolute path");
        var kernel = await kernels.StartAsync(call.Record.Id, JupyterKernels.ContextSpec, context.RequestAborted).ConfigureAwait(false);
        await using (var channel = new KernelChannel(await kernels.ConnectAsync(call.Record.Id, kernel.Id, context.RequestAborted).ConfigureAwait(false), time))
        {
            await channel.RunQuietlyAsync(EnvironmentCode("_os.chdir(_wanted['cwd'])", new Dictionary<string, string> { ["cwd"] = cwd }), context.RequestAborted)
                .ConfigureAwait(false);
        }

        _cwds[kernel.Id] = cwd;
        await E2bJson.Reply(new { id = kernel.Id, language = "python", cwd }).ExecuteAsync(context).ConfigureAwait(false);
    }

    private async Task ListContextsAsync(HttpContext context, SandboxCall call)
    {
        var listed = (await kernels.ListAsync(call.Record.Id, context.RequestAborted).ConfigureAwait(false))
            .Where(kernel => kernel.Name == JupyterKernels.ContextSpec)
            .Select(kernel => new { id = kernel.Id, language = "python", cwd = _cwds.GetValueOrDefault(kernel.Id, DefaultCwd) })
            .ToList();
        await E2bJson.Reply(listed).ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>The default context's kernel: the template's warm one, started if it is gone.</summary>
    private async Task<string> DefaultKernelAsync(SandboxCall call, CancellationToken cancellationToken)
    {
        var listed = await kernels.ListAsync(call.Record.Id, cancellationToken).ConfigureAwait(false);
        return listed.FirstOrDefault(kernel => kernel.Name == JupyterKernels.DefaultSpec)?.Id
            ?? (await kernels.StartAsync(call.Record.Id, JupyterKernels.DefaultSpec, cancellationToken).ConfigureAwait(false)).Id;
    }

    private async Task<string> ContextKernelAsync(SandboxCall call, string contextId, CancellationToken cancellationToken)
    {
        var listed = await kernels.ListAsync(call.Record.Id, cancellationToken).ConfigureAwait(false);
        return listed.Any(kernel => kernel.Id == contextId && kernel.Name == JupyterKernels.ContextSpec)
            ? contextId
            : throw new InterpreterException(StatusCodes.Status404NotFound, $"Context {contextId} not found");
    }

    /// <summary>
    /// Python queued before every run through E2B that acts once per kernel life (a flag on
    /// <c>sys</c>, kept in the kernel: every sandbox of the template starts with the same kernel, so
    /// no record outside it could tell; no name enters the user's namespace): E2B's chart formatter
    /// on, and the default context moved from the template's <c>/root</c> to E2B's working
    /// directory, where relative paths of the SDK's file calls lead too.
    /// </summary>
    private static string KernelSetup(bool toDefaultCwd) =>
        $$"""
        if not getattr(__import__('sys'), '_wrenn_e2b', False):
            __import__('sys')._wrenn_e2b = True
            try:
                {{(toDefaultCwd ? $"__import__('os').chdir('{DefaultCwd}')" : "pass")}}
            except OSError:
                pass
            try:
                __import__('wrenn_e2b_charts').enable()
            except ImportError:
                pass
        """;

    /// <summary>
    /// Python that runs <paramref name="statement"/> with <c>_os</c> and <c>_wanted</c> (the values,
    /// carried as base64 JSON so that no text can break out), leaving no new name in the user's
    /// namespace but those the statement keeps.
    /// </summary>
    private static string EnvironmentCode(string statement, IReadOnlyDictionary<string, string> values)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(values)));
        return $"import os as _os, json as _json, base64 as _base64\n_wanted = _json.loads(_base64.b64decode('{encoded}'))\n{statement}\ndel _os, _json, _base64, _wanted";
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
