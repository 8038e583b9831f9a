using System.Globalization;
using System.Runtime.CompilerServices;

namespace Wrenn.Client;

/// <summary>The team's audit log (<c>/v1/audit-logs</c>, session only), newest first.</summary>
public sealed class AuditLogClient
{
    private readonly ApiConnection _api;

    internal AuditLogClient(ApiConnection api) => _api = api;

    /// <summary>One page of entries; <paramref name="cursor"/>: the <see cref="AuditPage.NextCursor"/> of the page before.</summary>
    public Task<AuditPage> GetPageAsync(AuditLogQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditLogQuery();
        var path = "v1/audit-logs?limit=" + query.PageSize.ToString(CultureInfo.InvariantCulture);
        path += query.ResourceType is { } type ? "&resource_type=" + Uri.EscapeDataString(type) : string.Empty;
        path += query.Action is { } action ? "&action=" + Uri.EscapeDataString(action) : string.Empty;
        path += cursor is not null ? "&cursor=" + Uri.EscapeDataString(cursor) : string.Empty;
        return _api.GetAsync(path, WrennJson.Default.AuditPage, cancellationToken);
    }

    /// <summary>Every matching entry, newest first, fetched page by page as the enumeration goes.</summary>
    public async IAsyncEnumerable<AuditEntry> ListAsync(AuditLogQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await GetPageAsync(query, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Items)
            {
                yield return entry;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}
