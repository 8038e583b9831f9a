namespace Wrenn.Client;

/// <summary>Listing and signalling the processes started in a capsule (<c>/v1/capsules/{id}/processes</c>).</summary>
public sealed class ProcessesClient
{
    private readonly ApiConnection _api;

    internal ProcessesClient(ApiConnection api) => _api = api;

    /// <summary>The capsule's processes started through the API that have not exited, oldest first.</summary>
    public async Task<IReadOnlyList<ProcessInfo>> ListAsync(CapsuleId capsule, CancellationToken cancellationToken = default)
        => (await _api.GetAsync(CapsulesClient.Path(capsule) + "/processes", WrennJson.Default.ProcessList, cancellationToken).ConfigureAwait(false)).Processes;

    /// <summary>
    /// Sends <paramref name="signal"/> to a process's group. For <see cref="ProcessSignal.Kill"/> the call returns
    /// once the process has exited; for the others, once the signal is delivered.
    /// </summary>
    /// <exception cref="NotFoundException">No such process (it may have exited).</exception>
    public Task KillAsync(CapsuleId capsule, ProcessSelector process, ProcessSignal signal = ProcessSignal.Kill, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, $"{CapsulesClient.Path(capsule)}/processes/{Uri.EscapeDataString(process.Value)}?signal={NameOf(signal)}",
            null, cancellationToken);

    private static string NameOf(ProcessSignal signal) => signal switch
    {
        ProcessSignal.Kill => "SIGKILL",
        ProcessSignal.Terminate => "SIGTERM",
        ProcessSignal.Interrupt => "SIGINT",
        ProcessSignal.Hangup => "SIGHUP",
        ProcessSignal.Quit => "SIGQUIT",
        ProcessSignal.User1 => "SIGUSR1",
        ProcessSignal.User2 => "SIGUSR2",
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, null),
    };
}
