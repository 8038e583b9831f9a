using Dapper;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// A list of values for <c>IN</c>, written out as <c>(@Name0, @Name1, …)</c>: the same SQL on both
/// databases. Dapper's own <c>IN @list</c> is expanded so on SQLite, but handed to PostgreSQL as
/// one array parameter, which <c>IN</c> does not take.
/// </summary>
internal static class SqlList
{
    /// <summary>Adds a parameter per value to <paramref name="parameters"/>; returns the parenthesized list of their names.</summary>
    public static string Add(DynamicParameters parameters, string name, IEnumerable<string> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var parameter = name + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters.Add(parameter, value);
            names.Add("@" + parameter);
        }

        // An empty list matches nothing (x IN (NULL) is never true); "()" is a syntax error.
        return "(" + (names.Count == 0 ? "NULL" : string.Join(", ", names)) + ")";
    }
}
