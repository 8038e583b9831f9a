using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>
/// A real <c>wrenn agent</c> process: a host of <paramref name="server"/> on this machine with its
/// own data directory and loopback port. Disposing stops it and the VMs under its data directory
/// (by their command lines naming it, never by a process name).
/// </summary>
public sealed class WrennAgent(WrennServer server, string dataDirectory, int port, IReadOnlyList<string> settings) : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _output = new();
    private Process? _process;

    public string DataDirectory { get; } = dataDirectory;

    public int Port { get; } = port;

    public string HostId { get; private set; } = string.Empty;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Creates a host as <paramref name="admin"/>, starts an agent with its registration token, and waits until the host is online.</summary>
    public static async Task<WrennAgent> EnrollAsync(WrennServer server, HttpClient admin, params string[] settings)
    {
        var created = await (await admin.PostAsJsonAsync("/v1/hosts", new { type = "regular" })).Content.ReadFromJsonAsync<JsonElement>();
        var agent = new WrennAgent(server, Directory.CreateTempSubdirectory("wrenn-agent-").FullName, FreePorts.Next(), settings)
        {
            HostId = created.GetProperty("host").GetProperty("id").GetString()!,
        };
        agent.Launch(created.GetProperty("registration_token").GetString());
        await agent.WaitForHostAsync(admin, "online");
        return agent;
    }

    /// <summary>Whether its process runs (not killed by the test).</summary>
    public bool Running => _process is not null;

    /// <summary>Starts the agent again on its data directory: it uses the credentials it stored.</summary>
    public void Restart() => Launch(registrationToken: null);

    /// <summary>SIGKILL: the agent ends at once; its VMs run on.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Runs the agent to its exit (it is expected to refuse to start); returns its exit code.</summary>
    public async Task<int> RunToExitAsync(string registrationToken)
    {
        Launch(registrationToken);
        await _process!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    /// <summary>Whether the capsule has a directory on this host.</summary>
    public bool Holds(string capsuleId) => Directory.Exists(Path.Combine(DataDirectory, "capsules", capsuleId));

    public async Task WaitForHostAsync(HttpClient admin, string status, int seconds = 90)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var host = await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{HostId}");
            if (host.GetProperty("status").GetString() == status)
            {
                return;
            }

            Assert.True(_process is null || !_process.HasExited, "wrenn agent exited:\n" + Output);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(seconds), $"host {HostId} is {host.GetProperty("status")}, not {status}:\n" + Output);
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        using (var stop = Process.Start(Path.Combine(WrennServer.RepositoryRoot, "scripts", "stop-vms-under.sh"), [DataDirectory]))
        {
            await stop.WaitForExitAsync();
        }

        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), $"wrenn-test-agent-{Port}.log"), Output);
        Directory.Delete(DataDirectory, recursive: true);
    }

    private void Launch(string? registrationToken)
    {
        var start = new ProcessStartInfo(WrennServer.WrennExecutable())
        {
            ArgumentList =
            {
                "agent", "--control-plane", server.BaseAddress.ToString(), "--data-dir", DataDirectory, "--images-dir", WrennServer.ImagesDirectory,
                "--listen", "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture), "--prebuild-templates", "off",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (registrationToken is not null)
        {
            start.ArgumentList.Add("--registration-token");
            start.ArgumentList.Add(registrationToken);
        }

        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("wrenn agent did not start");
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
