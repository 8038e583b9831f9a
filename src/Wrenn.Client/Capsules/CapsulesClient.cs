using System.Globalization;
using System.Runtime.CompilerServices;

namespace Wrenn.Client;

/// <summary>Creating, listing, pausing, resuming and deleting capsules (<c>/v1/capsules</c>).</summary>
public sealed class CapsulesClient
{
    private readonly ApiConnection _api;

    internal CapsulesClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Creates a capsule. The reply comes once it runs, or after about 4 s with it still
    /// <see cref="CapsuleStatus.Starting"/> (see <see cref="WaitForStatusAsync"/>).
    /// </summary>
    public Task<Capsule> CreateAsync(CreateCapsuleOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CreateCapsuleOptions();
        return _api.SendAsync(HttpMethod.Post, "v1/capsules", ApiConnection.Json(options, WrennJson.Default.CreateCapsuleOptions),
            WrennJson.Default.Capsule, cancellationToken, request =>
            {
                if (options.IdempotencyKey is { } key)
                {
                    request.Headers.Add("Idempotency-Key", key);
                }
            });
    }

    /// <summary>The team's capsules, newest first, fetched page by page as the enumeration goes.</summary>
    public async IAsyncEnumerable<Capsule> ListAsync(CapsuleListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new CapsuleListOptions();
        var query = $"v1/capsules?limit={options.PageSize.ToString(CultureInfo.InvariantCulture)}";
        if (options.All)
        {
            query += "&status=all";
        }
        else if (options.Statuses.Count > 0)
        {
            query += "&status=" + string.Join(',', options.Statuses.Select(WrennEnums.NameOf));
        }

        string? cursor = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, cursor is null ? query : $"{query}&cursor={Uri.EscapeDataString(cursor)}");
            using var reply = await _api.SendAsync(request, cancellationToken).ConfigureAwait(false);
            cursor = reply.Headers.TryGetValues("X-Next-Cursor", out var next) ? next.FirstOrDefault() : null;
            foreach (var capsule in await ApiConnection.ReadAsync(reply, WrennJson.Default.ListCapsule, cancellationToken).ConfigureAwait(false))
            {
                yield return capsule;
            }
        }
        while (cursor is not null);
    }

    /// <summary>One capsule, in any status (deleted ones during retention too).</summary>
    public Task<Capsule> GetAsync(CapsuleId id, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(id), WrennJson.Default.Capsule, cancellationToken);

    /// <summary>Deletes a capsule: its VM, disk and snapshot go; it reads as <see cref="CapsuleStatus.Stopped"/>.</summary>
    public Task DeleteAsync(CapsuleId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, Path(id), null, cancellationToken);

    /// <summary>Pauses a running capsule: memory, devices and disk are saved and its processes continue after resume.</summary>
    public Task<Capsule> PauseAsync(CapsuleId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(id) + "/pause", null, WrennJson.Default.Capsule, cancellationToken);

    /// <summary>Resumes a paused capsule exactly where it was.</summary>
    public Task<Capsule> ResumeAsync(CapsuleId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(id) + "/resume", null, WrennJson.Default.Capsule, cancellationToken);

    /// <summary>Marks the capsule busy: its inactivity clock starts again.</summary>
    public Task PingAsync(CapsuleId id, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(id) + "/ping", null, cancellationToken);

    /// <summary>
    /// Polls until the capsule reaches <paramref name="status"/>. Throws <see cref="InvalidOperationException"/>
    /// when it settles in another status (a failed start ends in <see cref="CapsuleStatus.Error"/>).
    /// </summary>
    public async Task<Capsule> WaitForStatusAsync(CapsuleId id, CapsuleStatus status, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var capsule = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (capsule.Status == status)
            {
                return capsule;
            }

            if (capsule.Status is not (CapsuleStatus.Pending or CapsuleStatus.Starting))
            {
                throw new InvalidOperationException($"capsule {id} is {WrennEnums.NameOf(capsule.Status)}, not {WrennEnums.NameOf(status)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Path(CapsuleId id) => "v1/capsules/" + id.Value;
}
