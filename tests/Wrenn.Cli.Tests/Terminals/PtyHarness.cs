using System.Text;
using Microsoft.Win32.SafeHandles;
using Wrenn.Linux.Spawn;
using Wrenn.Linux.Terminals;

namespace Wrenn.Cli.Tests.Terminals;

/// <summary>
/// Runs a program on a pseudo-terminal, as a person's terminal emulator would: the test types
/// bytes, reads what the program draws, resizes the window (the kernel sends SIGWINCH) and waits for
/// the exit status. Shared with the benchmark (keystroke echo), so it throws instead of asserting.
/// </summary>
public sealed class PtyHarness : IAsyncDisposable
{
    private readonly SafeFileHandle _master;
    private readonly FileStream _terminal;
    private readonly StringBuilder _screen = new();
    private readonly Task _reader;
    private int? _exitCode;

    private PtyHarness(SafeFileHandle master, int pid)
    {
        _master = master;
        Pid = pid;
        _terminal = new FileStream(master, FileAccess.ReadWrite, bufferSize: 0);
        _reader = Task.Factory.StartNew(Read, TaskCreationOptions.LongRunning);
    }

    public int Pid { get; }

    /// <summary>Everything the program wrote to the terminal so far.</summary>
    public string Screen
    {
        get
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }
    }

    public static PtyHarness Start(string executable, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string?>> environment,
        ushort columns = 80, ushort rows = 24)
    {
        var (master, slave) = PseudoTerminal.Open(columns, rows);
        var variables = new Dictionary<string, string?>
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["TERM"] = "xterm-256color",
        };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var pid = ProcessSpawner.Spawn(new SpawnRequest(executable, [executable, .. arguments],
            [.. variables.Where(pair => pair.Value is not null).Select(pair => $"{pair.Key}={pair.Value}")], Environment.CurrentDirectory, null, slave));
        return new PtyHarness(master, pid);
    }

    /// <summary>Types <paramref name="text"/> (control characters included, e.g. "\u0003" for Ctrl-C).</summary>
    public async Task TypeAsync(string text)
    {
        await _terminal.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _terminal.FlushAsync();
    }

    /// <summary>Resizes the window, as dragging a terminal emulator's corner does.</summary>
    public void Resize(ushort columns, ushort rows) => PseudoTerminal.Resize(_master, columns, rows);

    /// <summary>Waits until the screen, after <paramref name="from"/> characters, contains <paramref name="text"/>; returns where it ends.</summary>
    public async Task<int> WaitForAsync(string text, int from = 0, int seconds = 60)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var screen = Screen;
            var at = screen.IndexOf(text, Math.Min(from, screen.Length), StringComparison.Ordinal);
            if (at >= 0)
            {
                return at + text.Length;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"'{text}' did not appear; the screen:\n{screen[Math.Min(from, screen.Length)..]}");
            }

            await Task.Delay(20);
        }
    }

    public async Task<int> WaitForExitAsync(int seconds = 60)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (_exitCode is null)
        {
            if (Children.TryReap(Pid) is { } exit)
            {
                _exitCode = exit.ExitCode;
                break;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"the program did not exit; the screen:\n{Screen}");
            }

            await Task.Delay(50);
        }

        return _exitCode.Value;
    }

    private void Read()
    {
        var buffer = new byte[4096];
        var decoder = Encoding.UTF8.GetDecoder();
        var characters = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        try
        {
            int count;
            while ((count = _terminal.Read(buffer)) > 0)
            {
                var decoded = decoder.GetChars(buffer, 0, count, characters, 0);
                lock (_screen)
                {
                    _screen.Append(characters, 0, decoded);
                }
            }
        }
        catch (IOException)
        {
            // EIO: the program and everything else holding the terminal's other side are gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_exitCode is null && Children.TryReap(Pid) is null)
        {
            _ = Children.SignalGroup(Pid, 9);
            await WaitForExitAsync();
        }

        await _terminal.DisposeAsync();
        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
