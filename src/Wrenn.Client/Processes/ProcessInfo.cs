namespace Wrenn.Client;

/// <summary>A process started through the API that has not exited (its children are not listed).</summary>
/// <param name="Pid">Its guest process id.</param>
/// <param name="Tag">Its tag.</param>
/// <param name="Cmd">The command.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Kind">How it was started.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record ProcessInfo(int Pid, string Tag, string Cmd, IReadOnlyList<string> Args, ProcessKind Kind, DateTimeOffset StartedAt);

/// <summary>The reply of the process list.</summary>
internal sealed record ProcessList(IReadOnlyList<ProcessInfo> Processes);
