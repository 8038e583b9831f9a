namespace Wrenn.Client;

/// <summary>The JSON body of <c>POST …/exec</c>: a request and its mode.</summary>
internal sealed record ExecBody(
    string Cmd,
    IReadOnlyList<string> Args,
    IReadOnlyDictionary<string, string>? Envs,
    string? Cwd,
    int? TimeoutSec,
    string? Tag,
    string? User,
    bool Background)
{
    public static ExecBody Of(ExecRequest request, bool background) =>
        new(request.Cmd, request.Args, request.Envs, request.Cwd, request.TimeoutSec, request.Tag, request.User, background);
}
