using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's list paging: <c>limit</c> (1–1000, by default 100) and <c>nextToken</c>; the next page's
/// token in <c>X-Next-Token</c>. A token holds the sort key of the page's last item rather than
/// naming the item, so a page whose last item went away meanwhile still leads on to the next.
/// </summary>
internal static class E2bPages
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>An item's sort key: <see cref="Order"/>, then <see cref="Tiebreak"/> (ordinal), both in the list's direction.</summary>
    public readonly record struct Place(long Order, string Tiebreak) : IComparable<Place>
    {
        public int CompareTo(Place other) =>
            Order.CompareTo(other.Order) is var byOrder and not 0 ? byOrder : string.CompareOrdinal(Tiebreak, other.Tiebreak);
    }

    /// <summary>The request's page of <paramref name="items"/>, sorted by <paramref name="placeOf"/>.</summary>
    public static List<T> Of<T>(HttpContext context, IEnumerable<T> items, Func<T, Place> placeOf, bool descending)
    {
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.ContainsKey("limit"))
        {
            ApiException.Require(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= MaxLimit, $"limit must be between 1 and {MaxLimit}");
        }

        var direction = descending ? -1 : 1;
        var after = PlaceOf(query["nextToken"].ToString());
        var rows = items.Select(item => (Item: item, Place: placeOf(item)))
            .Where(row => after is not { } last || direction * row.Place.CompareTo(last) > 0)
            .Order(Comparer<(T Item, Place Place)>.Create((one, other) => direction * one.Place.CompareTo(other.Place)))
            .Take(limit + 1)
            .ToList();
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            context.Response.Headers["X-Next-Token"] = TokenOf(rows[^1].Place);
        }

        return rows.Select(row => row.Item).ToList();
    }

    private static string TokenOf(Place place) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{place.Order}:{place.Tiebreak}")));

    private static Place? PlaceOf(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var text = Base64Url.IsValid(token) ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)) : string.Empty;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var order = 0L;
        ApiException.Require(colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out order),
            "nextToken is not a token this list gave");
        return new Place(order, text[(colon + 1)..]);
    }
}
