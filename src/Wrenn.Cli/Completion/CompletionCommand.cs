using System.CommandLine;

namespace Wrenn.Cli.Completion;

/// <summary>
/// <c>wrenn completion bash|zsh|fish</c>: a script that asks <c>wrenn</c> itself what can come next
/// (System.CommandLine's <c>[suggest]</c> directive), so completions always match the installed
/// version — capsule ids included, fetched from the API.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        _wrenn_complete() {
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(wrenn "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _wrenn_complete wrenn
        """;

    private const string Zsh = """
        #compdef wrenn
        _wrenn_complete() {
          local -a completions
          completions=("${(@f)$(wrenn "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
          compadd -a completions
        }
        compdef _wrenn_complete wrenn
        """;

    private const string Fish = """
        complete -c wrenn -f -a '(set -l line (commandline -cp); wrenn "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null)'
        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print the shell completion script (e.g. `source <(wrenn completion bash)` in ~/.bashrc)") { shell };
        command.SetAction(parse =>
        {
            Console.Out.WriteLine(parse.GetValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Fish,
            });
            return ExitCodes.Success;
        });
        return command;
    }
}
