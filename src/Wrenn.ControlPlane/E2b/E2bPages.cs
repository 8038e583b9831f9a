using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's list paging: <c>limit</c> (1–1000, by default 100) and <c>nextToken</c>, the token of the
/// last item of the page before; the next page's token in <c>X-Next-Token</c>.
/// </summary>
internal static class E2bPages
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>The request's page of <paramref name="ordered"/>, whose items <paramref name="tokenOf"/> names.</summary>
    public static List<T> Of<T>(HttpContext context, IEnumerable<T> ordered, Func<T, string> tokenOf)
    {
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.ContainsKey("limit"))
        {
            ApiException.Require(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= MaxLimit, $"limit must be between 1 and {MaxLimit}");
        }

        var after = query["nextToken"].ToString();
        var rows = ordered.SkipWhile(row => after.Length > 0 && tokenOf(row) != after).Skip(after.Length > 0 ? 1 : 0).Take(limit + 1).ToList();
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            context.Response.Headers["X-Next-Token"] = tokenOf(rows[^1]);
        }

        return rows;
    }
}
