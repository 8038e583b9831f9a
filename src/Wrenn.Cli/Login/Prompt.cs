using Wrenn.Linux.Terminals;

namespace Wrenn.Cli.Login;

/// <summary>Reads a secret: typed without echo at a terminal, else the first line of standard input.</summary>
internal static class Prompt
{
    public static string? Secret(string question)
    {
        if (!LocalTerminal.IsTerminal(0))
        {
            return Console.In.ReadLine();
        }

        Console.Error.Write(question);
        var secret = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.Error.WriteLine();
                    return secret.ToString();
                case ConsoleKey.Backspace when secret.Length > 0:
                    secret.Length--;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        secret.Append(key.KeyChar);
                    }

                    break;
            }
        }
    }
}
