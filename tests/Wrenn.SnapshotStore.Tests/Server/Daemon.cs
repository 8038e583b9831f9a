using System.Diagnostics;
using System.Net.Sockets;

namespace Wrenn.SnapshotStore.Tests.Server;

/// <summary>
/// One server process of a test store. It is started as <c>sh -c 'exec …'</c>, so the process
/// started becomes the server itself and killing it leaves nothing behind; its output is appended
/// to a log file beside its configuration (so it outlives this process's pipes), and its working
/// directory is the store's directory, by which scripts/stop-vms-under.sh recognizes it.
/// </summary>
internal sealed class Daemon : IDisposable
{
    /// <summary>Generous: a loaded two-core CI machine takes several seconds to import Swift's Python.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _name;
    private readonly string _logFile;
    private readonly Process _process;

    private Daemon(string name, string logFile, Process process)
    {
        _name = name;
        _logFile = logFile;
        _process = process;
    }

    /// <summary>Starts <paramref name="command"/> in <paramref name="directory"/>, logging to <c>NAME.log</c> there.</summary>
    public static Daemon Start(string name, string directory, IEnumerable<string> command)
    {
        var logFile = Path.Combine(directory, name + ".log");
        var start = new ProcessStartInfo("sh") { WorkingDirectory = directory, UseShellExecute = false };
        foreach (var argument in (string[])["-c", """log=$1; shift; exec "$@" </dev/null >>"$log" 2>&1""", "sh", logFile, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        return new Daemon(name, logFile, Process.Start(start)!);
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>; fails with the log if the daemon exits first.</summary>
    public Task WaitUntilListeningAsync(int port, CancellationToken cancellationToken) =>
        WaitUntilAsync(async token =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port, token).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>Polls <paramref name="ready"/> until it holds; fails with the daemon's log when it exits or takes too long.</summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> ready, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            while (!await ready(timeout.Token).ConfigureAwait(false))
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) while starting:\n{LogTail()}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{_name} did not start within {StartTimeout.TotalSeconds} s:\n{LogTail()}");
        }
    }

    /// <summary>Kills the daemon (a test store has nothing worth a clean shutdown) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public void Dispose() => _process.Dispose();

    private string LogTail()
    {
        var lines = File.Exists(_logFile) ? File.ReadAllLines(_logFile) : [];
        return string.Join('\n', lines.TakeLast(30));
    }
}
