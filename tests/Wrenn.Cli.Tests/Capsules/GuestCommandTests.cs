using System.Security.Cryptography;
using Wrenn.Cli.Tests.Server;
using Wrenn.Client;

namespace Wrenn.Cli.Tests.Capsules;

/// <summary>exec, cp, logs, ports and metrics against one real capsule.</summary>
[Collection("server")]
public sealed class GuestCommandTests(CliServer server) : IAsyncLifetime
{
    private string _id = string.Empty;

    private WrennCli Cli => server.Cli;

    public async Task InitializeAsync() => _id = await server.CreateCapsuleAsync();

    public async Task DisposeAsync() => await Cli.RunAsync("capsule", "rm", _id);

    [Fact]
    public async Task Exec_StreamsBothOutputs_AndExitsWithTheRemoteExitCode()
    {
        var run = await Cli.RunAsync("capsule", "exec", _id, "--env", "GREETING=hello there", "--cwd", "/tmp", "--",
            "sh", "-c", "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3");
        Assert.Equal((3, "hello there from /tmp\n", "oops\n"), (run.ExitCode, run.Stdout, run.Stderr));

        var json = await Cli.RunAsync("capsule", "exec", _id, "--json", "--", "printf", "\\377\\000");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(("base64", "/wA="), (json.Json().GetProperty("encoding").GetString(), json.Json().GetProperty("stdout").GetString()));

        var missing = await Cli.RunAsync("capsule", "exec", _id, "--", "/no/such/program");
        Assert.Equal(255, missing.ExitCode);
    }

    [Fact]
    public async Task Cp_CopiesFilesAndDirectories_BothWays_ByteForByte()
    {
        var local = Directory.CreateTempSubdirectory("wrenn-cp-").FullName;
        try
        {
            var tree = Path.Combine(local, "tree");
            Directory.CreateDirectory(Path.Combine(tree, "nested", "empty"));
            var big = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
            await File.WriteAllBytesAsync(Path.Combine(tree, "big.bin"), big);
            await File.WriteAllTextAsync(Path.Combine(tree, "nested", "note.txt"), "a note\n");

            var up = await Cli.RunAsync("capsule", "cp", tree, $"{_id}:/root/uploaded");
            Assert.True(up.ExitCode == 0, up.Stderr);
            var listing = await Cli.RunAsync("capsule", "exec", _id, "--", "sh", "-c", "cd /root/uploaded && find . | sort && sha256sum big.bin");
            Assert.Contains("./nested/empty", listing.Stdout);
            Assert.Contains("./nested/note.txt", listing.Stdout);
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(big)), listing.Stdout);

            // Into an existing directory, the copy keeps its name (as cp does).
            var back = Path.Combine(local, "back");
            Directory.CreateDirectory(back);
            var down = await Cli.RunAsync("capsule", "cp", $"{_id}:/root/uploaded", back);
            Assert.True(down.ExitCode == 0, down.Stderr);
            Assert.Equal(big, await File.ReadAllBytesAsync(Path.Combine(back, "uploaded", "big.bin")));
            Assert.Equal("a note\n", await File.ReadAllTextAsync(Path.Combine(back, "uploaded", "nested", "note.txt")));
            Assert.True(Directory.Exists(Path.Combine(back, "uploaded", "nested", "empty")));

            var single = await Cli.RunAsync("capsule", "cp", $"{_id}:/root/uploaded/nested/note.txt", Path.Combine(local, "copy.txt"));
            Assert.True(single.ExitCode == 0, single.Stderr);
            Assert.Equal("a note\n", await File.ReadAllTextAsync(Path.Combine(local, "copy.txt")));

            var missing = await Cli.RunAsync("capsule", "cp", $"{_id}:/root/nothing-here", local);
            Assert.Equal(4, missing.ExitCode);
            Assert.Equal(2, (await Cli.RunAsync("capsule", "cp", tree, local)).ExitCode);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [Fact]
    public async Task Logs_ReplaysAndFollowsABackgroundProcess_UntilItExits()
    {
        using var wrenn = new WrennClient(new WrennClientOptions { BaseUrl = server.Server.BaseAddress, ApiKey = server.Server.AdminKey });
        var started = await wrenn.Commands.StartAsync(CapsuleId.Parse(_id), new ExecRequest("sh", "-c", "echo first; sleep 2; echo second") { Tag = "talker" });
        Assert.Equal("talker", started.Tag);
        var logs = await Cli.RunAsync("capsule", "logs", _id, "talker");
        Assert.Equal((0, "first\nsecond\n"), (logs.ExitCode, logs.Stdout));
    }

    [Fact]
    public async Task Ports_ListsWhatListens_WithItsProxyUrl_AndMetricsAnswer()
    {
        using var wrenn = new WrennClient(new WrennClientOptions { BaseUrl = server.Server.BaseAddress, ApiKey = server.Server.AdminKey });
        // perl-base is part of every Debian system, so the minimal template can listen without extra packages.
        await wrenn.Commands.StartAsync(CapsuleId.Parse(_id), new ExecRequest("perl", "-MIO::Socket::INET", "-e",
            "my $socket = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 8123, Listen => 5, ReuseAddr => 1) or die; sleep 600"));
        var ports = await WaitForPortAsync(8123);
        var url = ports.EnumerateArray().Single(port => port.GetProperty("port").GetInt32() == 8123).GetProperty("url").GetString();
        Assert.Equal($"http://8123-{_id}.127.0.0.1:{server.Server.Port}/", url);

        var metrics = await Cli.RunAsync("capsule", "metrics", _id, "--range", "5m", "--json");
        Assert.True(metrics.ExitCode == 0, metrics.Stderr);
        Assert.Equal(_id, metrics.Json().GetProperty("sandbox_id").GetString());
        Assert.Equal(2, (await Cli.RunAsync("capsule", "metrics", _id, "--range", "3d")).ExitCode);
    }

    private async Task<System.Text.Json.JsonElement> WaitForPortAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            var listed = await Cli.RunAsync("capsule", "ports", _id, "--json");
            Assert.True(listed.ExitCode == 0, listed.Stderr);
            if (listed.Json().EnumerateArray().Any(entry => entry.GetProperty("port").GetInt32() == port) || attempt == 30)
            {
                return listed.Json();
            }

            await Task.Delay(500);
        }
    }
}
