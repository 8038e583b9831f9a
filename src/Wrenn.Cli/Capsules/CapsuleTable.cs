using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>How capsules look in a terminal.</summary>
internal static class CapsuleTable
{
    public static IRenderable Of(IReadOnlyList<Capsule> capsules)
    {
        var table = Tables.Create("ID", "STATUS", "TEMPLATE", "VCPUS", "MEMORY", "TIMEOUT", "CREATED");
        foreach (var capsule in capsules)
        {
            table.AddRow(
                capsule.Id.Value, Status(capsule.Status), Markup.Escape(capsule.Template), Number(capsule.Vcpus),
                $"{Number(capsule.MemoryMb)} MiB", capsule.TimeoutSec == 0 ? "never" : $"{Number(capsule.TimeoutSec)} s",
                Time(capsule.CreatedAt));
        }

        return table;
    }

    /// <summary>One capsule, as a two-column table of its fields.</summary>
    public static IRenderable Detail(Capsule capsule)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow($"[grey]{name}[/]", value);
        Row("id", capsule.Id.Value);
        Row("status", Status(capsule.Status) + (capsule.StatusReason is { } reason ? $" ({Markup.Escape(reason)})" : string.Empty));
        Row("template", Markup.Escape(capsule.Template));
        Row("vcpus", Number(capsule.Vcpus));
        Row("memory", $"{Number(capsule.MemoryMb)} MiB");
        Row("timeout", capsule.TimeoutSec == 0 ? "never" : $"{Number(capsule.TimeoutSec)} s");
        Row("auto resume", capsule.AutoResume ? "yes" : "no");
        Row("created", Time(capsule.CreatedAt));
        Row("started", capsule.StartedAt is { } started ? Time(started) : "-");
        Row("last active", capsule.LastActiveAt is { } active ? Time(active) : "-");
        Row("snapshot stored", capsule.SnapshotStored ? "yes" : "no");
        foreach (var (key, value) in capsule.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Row(Markup.Escape(key), Markup.Escape(value));
        }

        return grid;
    }

    private static string Status(CapsuleStatus status) => status switch
    {
        CapsuleStatus.Running => "[green]running[/]",
        CapsuleStatus.Paused => "[yellow]paused[/]",
        CapsuleStatus.Error or CapsuleStatus.Missing => $"[red]{WrennEnums.NameOf(status)}[/]",
        _ => WrennEnums.NameOf(status),
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
