using Wrenn.Cli.Tests.Server;
using Wrenn.Cli.Tests.Terminals;

namespace Wrenn.Cli.Tests.Capsules;

/// <summary><c>wrenn capsule shell</c> in a pseudo-terminal, typed into as a person would.</summary>
[Collection("server")]
public sealed class ShellCommandTests(CliServer server)
{
    [Fact]
    public async Task Shell_RunsWhatIsTyped_FollowsTheWindowSize_PassesCtrlC_AndExitsWithTheShellsCode()
    {
        var id = await server.CreateCapsuleAsync();
        try
        {
            await using var terminal = PtyHarness.Start(WrennCli.Executable, ["capsule", "shell", id], server.Cli.Variables(), columns: 91, rows: 27);
            var at = await terminal.WaitForAsync("# ");
            await terminal.TypeAsync("stty size; echo $((6*7))\r");
            at = await terminal.WaitForAsync("42", at);
            Assert.Contains("27 91", terminal.Screen);

            terminal.Resize(120, 40);
            await Task.Delay(500);
            await terminal.TypeAsync("stty size\r");
            at = await terminal.WaitForAsync("40 120", at);

            // Ctrl-C reaches the guest's foreground program, not wrenn: the shell lives on.
            await terminal.TypeAsync("sleep 300\r");
            await Task.Delay(1000);
            await terminal.TypeAsync("\u0003");
            await terminal.TypeAsync("echo after-$((1+1))\r");
            at = await terminal.WaitForAsync("after-2", at);

            await terminal.TypeAsync("exit 7\r");
            Assert.Equal(7, await terminal.WaitForExitAsync());
        }
        finally
        {
            await server.Cli.RunAsync("capsule", "rm", id);
        }
    }
}
