using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.HostAgent.Guest;
using Wrenn.HostAgent.Tests.Capsules;

namespace Wrenn.HostAgent.Tests.Guest;

[Collection(MinimalCapsuleGroup.Name)]
public sealed class ExecTests(MinimalCapsule booted)
{
    private GuestAgentClient Agent => booted.Capsule.Agent;

    [Fact]
    public async Task Run_WithArgsEnvAndCwd_SeesAllThree()
    {
        var result = await Agent.Services.RunAsync(new StartRequest
        {
            Cmd = "/bin/sh",
            Args = { "-c", "printf '%s|%s|%s|%s' \"$1\" \"$GREETING\" \"$(pwd)\" \"$WRENN_CAPSULE_ID\"", "sh", "two words" },
            Envs = { ["GREETING"] = "hello $HOME" },
            Cwd = "/tmp",
        }, Timeout());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"two words|hello $HOME|/tmp|{booted.Capsule.Id}", result.StdoutText);
    }

    [Fact]
    public async Task Run_NonZeroExitAndStderr_AreReportedSeparately()
    {
        var result = await Agent.Services.RunAsync("/bin/sh", "-c", "echo out; echo err >&2; exit 7");

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("out\n", result.StdoutText);
        Assert.Equal("err\n", result.StderrText);
    }

    [Fact]
    public async Task Run_WithStdin_ProcessReadsIt()
    {
        var result = await Agent.Services.RunAsync(new StartRequest
        {
            Cmd = "tr",
            Args = { "a-z", "A-Z" },
            Stdin = Google.Protobuf.ByteString.CopyFromUtf8("shout this\n"),
        }, Timeout());

        Assert.Equal("SHOUT THIS\n", result.StdoutText);
    }

    [Fact]
    public async Task Run_100MBOfStdout_ArrivesWhole()
    {
        // seq output is deterministic and position-dependent, so a lost or reordered chunk shows.
        const int count = 12_500_000;
        var expected = SHA256.HashData(Encoding.ASCII.GetBytes(SeqText(count)));

        var result = await Agent.Services.RunAsync(new StartRequest { Cmd = "seq", Args = { "1", count.ToString(System.Globalization.CultureInfo.InvariantCulture) } }, Timeout(240));

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Stdout.Length > 100_000_000, $"only {result.Stdout.Length} bytes");
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(SHA256.HashData(result.Stdout)));
    }

    [Fact]
    public async Task Run_UnknownCommand_FailsWithCannotStart()
    {
        var failure = await Assert.ThrowsAsync<RpcException>(() => Agent.Services.RunAsync("/no/such/program"));

        Assert.Equal(AgentErrorCode.CannotStart, AgentErrors.CodeOf(failure));
    }

    [Fact]
    public async Task Git_IsInstalled()
    {
        var result = await Agent.Services.RunAsync("git", "--version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("git version 2.", result.StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Background_SurvivesDetach_ReplaysOnAttach_AndDiesOnKill()
    {
        var tag = "counter-" + Guid.NewGuid().ToString("N")[..8];
        using (var start = Agent.Processes.Start(new StartRequest
        {
            Cmd = "/bin/sh",
            Args = { "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done" },
            Tag = tag,
            Kind = ProcessKind.Background,
        }, cancellationToken: Timeout()))
        {
            Assert.True(await start.ResponseStream.MoveNext(Timeout()));
            Assert.Equal(tag, start.ResponseStream.Current.Started.Tag);
        }

        // Detached: it keeps running and keeps its output for observers.
        await Task.Delay(1500);
        var listed = await Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: Timeout());
        var process = Assert.Single(listed.Processes, p => p.Tag == tag);
        Assert.Equal(ProcessKind.Background, process.Kind);

        using (var attach = Agent.Processes.Attach(new AttachRequest { Selector = tag }, cancellationToken: Timeout()))
        {
            var seen = new StringBuilder();
            while (!seen.ToString().Contains("tick 1\n", StringComparison.Ordinal) || !seen.ToString().Contains("tick 8\n", StringComparison.Ordinal))
            {
                Assert.True(await attach.ResponseStream.MoveNext(Timeout()));
                var message = attach.ResponseStream.Current;
                if (message.EventCase == ProcessEvent.EventOneofCase.Output)
                {
                    seen.Append(message.Output.Data.ToStringUtf8());
                }
            }
        }

        await Agent.Processes.SignalAsync(new SignalRequest { Selector = tag, Signal = 9 }, cancellationToken: Timeout());
        var after = await Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: Timeout());
        Assert.DoesNotContain(after.Processes, p => p.Tag == tag);
    }

    private static string SeqText(int count)
    {
        var builder = new StringBuilder(count * 9);
        for (var i = 1; i <= count; i++)
        {
            builder.Append(i).Append('\n');
        }

        return builder.ToString();
    }

    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
