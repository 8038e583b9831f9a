using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Wrenn.Cli;

/// <summary>
/// Where a command writes: tables, spinners and progress for people, or one JSON document on
/// standard output with <c>--json</c> (for scripts: no colours, no spinners, nothing else on stdout).
/// </summary>
internal sealed class Terminal
{
    private readonly IAnsiConsole _console;

    public Terminal(bool json)
    {
        Json = json;
        Interactive = !json && !Console.IsOutputRedirected;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!Interactive)
        {
            // Piped into grep or a file: rows stay whole instead of wrapping at a made-up 80 columns.
            _console.Profile.Width = 4096;
        }
    }

    /// <summary><c>--json</c> was given.</summary>
    public bool Json { get; }

    /// <summary>A person is watching standard output: spinners and progress bars are shown.</summary>
    public bool Interactive { get; }

    public static void WriteJson<T>(T value, JsonTypeInfo<T> type)
    {
        using var stdout = Console.OpenStandardOutput();
        JsonSerializer.Serialize(stdout, value, type);
        stdout.WriteByte((byte)'\n');
    }

    /// <summary>Writes <paramref name="value"/> as JSON with <c>--json</c>, else <paramref name="human"/>.</summary>
    public void Write<T>(T value, JsonTypeInfo<T> type, Func<T, IRenderable> human)
    {
        if (Json)
        {
            WriteJson(value, type);
        }
        else
        {
            _console.Write(human(value));
        }
    }

    public void Write(IRenderable renderable) => _console.Write(renderable);

    /// <summary>A line for people (nothing with <c>--json</c>, which prints only the document).</summary>
    public void Say(string markup)
    {
        if (!Json)
        {
            _console.MarkupLine(markup);
        }
    }

    /// <summary>Runs <paramref name="work"/> under a spinner when a person is watching.</summary>
    public async Task<T> SpinAsync<T>(string what, Func<Task<T>> work)
    {
        if (!Interactive)
        {
            return await work().ConfigureAwait(false);
        }

        return await _console.Status().Spinner(Spinner.Known.Dots).StartAsync(what, _ => work()).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> with a progress bar of <paramref name="total"/> bytes (null: unknown).</summary>
    public async Task ProgressAsync(string what, long? total, Func<IProgress<long>, Task> work)
    {
        if (!Interactive)
        {
            await work(new Progress<long>()).ConfigureAwait(false);
            return;
        }

        await _console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(what), maxValue: total ?? 1);
                task.IsIndeterminate = total is null;
                await work(new ProgressReport(bytes => task.Value = bytes)).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
    }
}
