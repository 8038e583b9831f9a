using System.Diagnostics;
using Wrenn.Cli.Tests.Server;

namespace Wrenn.Cli.Tests.Completion;

[Collection("server")]
public sealed class CompletionTests(CliServer server)
{
    [Fact]
    public async Task BashCompletion_OffersSubcommands_AndTheTeamsCapsuleIds()
    {
        Assert.Equal(["pause"], await CompleteAsync("wrenn capsule pa"));
        var id = await server.CreateCapsuleAsync();
        try
        {
            Assert.Contains(id, await CompleteAsync("wrenn capsule get "));
        }
        finally
        {
            await server.Cli.RunAsync("capsule", "rm", id);
        }
    }

    /// <summary>What bash offers for <paramref name="line"/> with the script of <c>wrenn completion bash</c> loaded.</summary>
    private async Task<string[]> CompleteAsync(string line)
    {
        var script = (await server.Cli.RunAsync("completion", "bash")).Stdout;
        var directory = Path.GetDirectoryName(WrennCli.Executable)!;
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList =
            {
                "-c",
                """
                eval "$SCRIPT"
                read -ra COMP_WORDS <<< "$LINE"
                [[ $LINE == *" " ]] && COMP_WORDS+=("")
                COMP_LINE=$LINE; COMP_POINT=${#LINE}; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                _wrenn_complete
                printf '%s\n' "${COMPREPLY[@]}"
                """,
            },
            RedirectStandardOutput = true,
        };
        foreach (var (name, value) in server.Cli.Variables())
        {
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }

        start.Environment["SCRIPT"] = script;
        start.Environment["LINE"] = line;
        start.Environment["PATH"] = directory + ":" + Environment.GetEnvironmentVariable("PATH");
        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
