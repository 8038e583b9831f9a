using Spectre.Console;

namespace Wrenn.Cli;

/// <summary>The one table style of the command line: plain borders, the id column never wrapped.</summary>
internal static class Tables
{
    public static Table Create(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns(headers);
        table.Columns[0].NoWrap();
        return table;
    }
}
