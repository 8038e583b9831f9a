using System.Net.Http.Headers;

namespace Wrenn.Client;

/// <summary>Template builds from recipes (<c>/v1/builds</c>; platform builds: <c>/v1/admin/builds</c>).</summary>
public sealed class BuildsClient
{
    private readonly ApiConnection _api;

    internal BuildsClient(ApiConnection api) => _api = api;

    /// <summary>Submits a build; it is queued, or done at once when the same content was built before.</summary>
    /// <exception cref="InvalidRequestException">A recipe or healthcheck line does not parse (the message names it).</exception>
    /// <exception cref="ConflictException">The name is reserved or a platform template's.</exception>
    public Task<Build> CreateAsync(CreateBuildOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _api.SendAsync(HttpMethod.Post, CreatePath(options), ApiConnection.Json(options, WrennJson.Default.CreateBuildOptions),
            WrennJson.Default.Build, cancellationToken);
    }

    /// <summary>
    /// Submits a build with an archive (tar, tar.gz or zip; at most 100 MB) whose files the recipe's <c>COPY</c> lines take.
    /// The archive is streamed as it is read.
    /// </summary>
    public async Task<Build> CreateAsync(CreateBuildOptions options, Stream archive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(archive);
        var file = new ProgressContent(archive, null);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        // The server reads the config before it accepts the archive.
        var form = new MultipartFormDataContent
        {
            { ApiConnection.Json(options, WrennJson.Default.CreateBuildOptions), "config" },
            { file, "archive", "archive" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, CreatePath(options)) { Content = form };
        return await _api.SendAsync(request, WrennJson.Default.Build, cancellationToken, streamed: true).ConfigureAwait(false);
    }

    /// <summary>The team's builds, newest first, without their logs; <paramref name="platform"/>: every platform build instead (admins only).</summary>
    public Task<IReadOnlyList<Build>> ListAsync(bool platform = false, CancellationToken cancellationToken = default)
        => _api.GetAsync(platform ? "v1/admin/builds" : "v1/builds", WrennJson.Default.IReadOnlyListBuild, cancellationToken);

    /// <summary>One build with its logs.</summary>
    public Task<Build> GetAsync(BuildId id, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(id), WrennJson.Default.Build, cancellationToken);

    /// <summary>The logs of a build's finished steps.</summary>
    public Task<IReadOnlyList<BuildStepLog>> GetLogsAsync(BuildId id, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(id) + "/logs", WrennJson.Default.IReadOnlyListBuildStepLog, cancellationToken);

    /// <summary>Cancels an unfinished build: its step is stopped and its capsule deleted; no template is made.</summary>
    /// <exception cref="InvalidRequestException">The build has finished.</exception>
    /// <exception cref="InvalidStateException">The build is already saving its template.</exception>
    public Task CancelAsync(BuildId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(id) + "/cancel", null, cancellationToken);

    /// <summary>Forgets a finished build and its logs; the template it made stays.</summary>
    /// <exception cref="InvalidStateException">The build has not finished.</exception>
    public Task DeleteAsync(BuildId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, Path(id), null, cancellationToken);

    /// <summary>Polls a build every <paramref name="interval"/> (default 1 s) until it has finished; returns it with its logs.</summary>
    public async Task<Build> WaitForCompletionAsync(BuildId id, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var build = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (build.IsFinished)
            {
                return build;
            }

            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string CreatePath(CreateBuildOptions options) => options.Platform ? "v1/admin/builds" : "v1/builds";

    private static string Path(BuildId id) => "v1/builds/" + id.Value;
}
