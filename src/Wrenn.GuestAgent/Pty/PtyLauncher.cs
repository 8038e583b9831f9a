using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Machine;
using Wrenn.GuestAgent.Processes;
using Wrenn.Linux.Spawn;
using Wrenn.Linux.Terminals;

namespace Wrenn.GuestAgent.Pty;

/// <summary>Starts processes on a new PTY; the session lives in the process table like any process.</summary>
internal sealed class PtyLauncher(ProcessTable table, UserDatabase users, GuestEnvironment environment, TimeProvider clock)
{
    /// <summary>Output retained for the next connection while nobody is attached.</summary>
    public const int ReplayBytes = 64 * 1024;

    private static readonly Dictionary<string, string> TerminalDefaults = new(StringComparer.Ordinal) { ["TERM"] = "xterm-256color" };

    public GuestProcess Start(PtyStart start)
    {
        var cmd = string.IsNullOrEmpty(start.Cmd) ? "/bin/bash" : start.Cmd;
        var plan = LaunchPlan.For(cmd, start.Args, start.Envs, start.Cwd, start.User, users, environment, TerminalDefaults);
        var tag = string.IsNullOrEmpty(start.Tag) ? ProcessLauncher.NewTag("pty-") : start.Tag;
        var (master, slavePath) = PseudoTerminal.Open(Dimension(start.Cols, 80), Dimension(start.Rows, 24));
        var hub = new OutputHub(ReplayBytes);
        GuestProcess process;
        try
        {
            var request = new StartRequest { Cmd = cmd, Args = { start.Args }, Kind = ProcessKind.Pty };
            process = table.Spawn(tag,
                () => ProcessLauncher.SpawnOrThrow(new SpawnRequest(plan.Path, plan.Argv, plan.Environment, plan.WorkingDirectory, null, slavePath)),
                pid => new GuestProcess(pid, tag, request, ProcessKind.Pty, hub, master, clock));
        }
        catch
        {
            master.Dispose();
            throw;
        }

        // The poller reads through a non-owning view: the master stays open for input until the
        // process completes, and the process closes it then.
        var view = new SafeFileHandle(master.DangerousGetHandle(), ownsHandle: false);
        _ = process.CompleteAsync(OutputPoller.Watch(view, OutputStream.Stdout, hub, process), table.Remove);
        return process;
    }

    public static ushort Dimension(uint requested, ushort fallback) =>
        requested == 0 ? fallback : (ushort)Math.Min(requested, 1000u);
}
