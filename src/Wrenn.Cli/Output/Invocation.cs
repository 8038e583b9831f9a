using System.CommandLine;
using Wrenn.Cli.Login;
using Wrenn.Client;

namespace Wrenn.Cli;

/// <summary>One run of a client command: its parsed arguments, where it writes, and the API client.</summary>
internal sealed class Invocation(ParseResult parse, Terminal terminal) : IDisposable
{
    private WrennClient? _client;

    public ParseResult Parse { get; } = parse;

    public Terminal Out { get; } = terminal;

    public TimeProvider Time { get; } = TimeProvider.System;

    /// <summary>The API client with the resolved credentials; none at all is "not logged in".</summary>
    public WrennClient Client => _client ??= Connect();

    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    private WrennClient Connect()
    {
        var options = Credentials.Resolve(Time);
        if (options.ApiKey is null && options.AccessToken is null)
        {
            throw new CliException("not logged in: run `wrenn login`, or set WRENN_API_KEY", ExitCodes.Auth);
        }

        return new WrennClient(options);
    }

    public void Dispose() => _client?.Dispose();
}
