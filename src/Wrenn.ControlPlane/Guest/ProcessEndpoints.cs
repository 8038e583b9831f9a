using Wrenn.Agent.Protocol;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Guest;

internal sealed record ProcessView(int Pid, string Tag, string Cmd, IReadOnlyList<string> Args, string Kind, DateTimeOffset StartedAt);

internal sealed record ProcessList(IReadOnlyList<ProcessView> Processes);

/// <summary>GET and DELETE /v1/capsules/{id}/processes (spec §4.9).</summary>
internal static class ProcessEndpoints
{
    private static readonly Dictionary<string, int> Signals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["KILL"] = 9, ["TERM"] = 15, ["INT"] = 2, ["HUP"] = 1, ["QUIT"] = 3, ["USR1"] = 10, ["USR2"] = 12,
    };

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/capsules/{id}/processes", ListAsync).Produces<ProcessList>();
        routes.MapDelete("/v1/capsules/{id}/processes/{selector}", KillAsync).Produces(204);
    }

    public static string KindName(ProcessKind kind) => kind switch
    {
        ProcessKind.Background => "background",
        ProcessKind.Stream => "stream",
        ProcessKind.Pty => "pty",
        _ => "exec",
    };

    /// <summary>The signal number of a name such as <c>SIGTERM</c> or <c>term</c>; null when not allowed.</summary>
    public static int? ParseSignal(string name)
    {
        var bare = name.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? name[3..] : name;
        return Signals.TryGetValue(bare, out var number) ? number : null;
    }

    private static async Task<IResult> ListAsync(Caller caller, string id, HttpContext http, GuestAccess access)
    {
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        var reply = await session.CallAsync(() => session.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: session.Token).ResponseAsync).ConfigureAwait(false);
        var processes = reply.Processes
            .OrderBy(process => process.StartedAtUnixMs).ThenBy(process => process.Pid)
            .Select(process => new ProcessView(process.Pid, process.Tag, process.Cmd, process.Args.ToList(), KindName(process.Kind),
                DateTimeOffset.FromUnixTimeMilliseconds(process.StartedAtUnixMs)))
            .ToList();
        return ApiJson.Reply(new ProcessList(processes));
    }

    private static async Task<IResult> KillAsync(Caller caller, string id, string selector, HttpContext http, GuestAccess access)
    {
        var signalText = http.Request.Query["signal"].ToString();
        var signal = signalText.Length == 0 ? 9 : ParseSignal(signalText) ?? throw ApiException.Invalid("signal must be one of SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2");
        using var session = await access.OpenAsync(caller, id, http.RequestAborted).ConfigureAwait(false);
        await session.CallAsync(() => session.Agent.Processes.SignalAsync(new SignalRequest { Selector = selector, Signal = signal }, cancellationToken: session.Token).ResponseAsync,
            "process " + selector).ConfigureAwait(false);
        if (signal == 9)
        {
            await WaitGoneAsync(session, selector).ConfigureAwait(false);
        }

        return Results.NoContent();
    }

    /// <summary>SIGKILL answers once the process has left the list (at most 5 s).</summary>
    private static async Task WaitGoneAsync(GuestSession session, string selector)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            var list = await session.CallAsync(() => session.Agent.Processes.ListAsync(new ListProcessesRequest(), cancellationToken: session.Token).ResponseAsync).ConfigureAwait(false);
            if (!list.Processes.Any(process => process.Tag == selector || process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) == selector))
            {
                return;
            }

            await Task.Delay(50, session.Token).ConfigureAwait(false);
        }
    }
}
