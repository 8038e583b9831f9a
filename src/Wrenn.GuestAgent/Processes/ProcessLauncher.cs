using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Protocol;
using Wrenn.GuestAgent.Accounts;
using Wrenn.GuestAgent.Machine;
using Wrenn.Linux;
using Wrenn.Linux.Io;
using Wrenn.Linux.Spawn;

namespace Wrenn.GuestAgent.Processes;

/// <summary>Starts pipe-connected processes (exec, stream, background) and wires their output.</summary>
internal sealed class ProcessLauncher(ProcessTable table, UserDatabase users, GuestEnvironment environment, TimeProvider clock)
{
    /// <summary>Output retained per process for observers that attach later.</summary>
    public const int ReplayBytes = 1024 * 1024;

    /// <summary>
    /// Starts the process with the caller as its primary consumer, attached before any output;
    /// background processes get none (null lease).
    /// </summary>
    public (GuestProcess Process, PrimaryLease? Lease) Start(StartRequest request)
    {
        var plan = LaunchPlan.For(request.Cmd, request.Args, request.Envs, request.Cwd, request.User, users, environment);
        var kind = request.Kind == ProcessKind.Unspecified ? ProcessKind.Exec : request.Kind;
        if (kind == ProcessKind.Pty)
        {
            throw AgentErrors.Exception(AgentErrorCode.InvalidArgument, "PTY processes are started with Pty.Open");
        }

        var tag = string.IsNullOrEmpty(request.Tag) ? NewTag("proc-") : request.Tag;
        var (stdinRead, stdinWrite) = Pipes.Create();
        var (stdoutRead, stdoutWrite) = Pipes.Create();
        var (stderrRead, stderrWrite) = Pipes.Create();
        var hub = new OutputHub(ReplayBytes);
        // A background process has no consumer from the start: it never waits for one.
        PrimaryLease? lease = kind == ProcessKind.Background ? null : hub.AttachPrimary(replay: false);
        GuestProcess process;
        try
        {
            var stdio = new StdioDescriptors(Fd(stdinRead), Fd(stdoutWrite), Fd(stderrWrite));
            process = table.Spawn(tag,
                () => SpawnOrThrow(new SpawnRequest(plan.Path, plan.Argv, plan.Environment, plan.WorkingDirectory, stdio, null)),
                pid => new GuestProcess(pid, tag, request, kind, hub, stdinWrite, clock));
        }
        catch
        {
            stdinWrite.Dispose();
            stdoutRead.Dispose();
            stderrRead.Dispose();
            throw;
        }
        finally
        {
            // The child has its copies; the agent must not hold the write ends, or EOF never comes.
            stdinRead.Dispose();
            stdoutWrite.Dispose();
            stderrWrite.Dispose();
        }

        var outputEnded = Task.WhenAll(
            OutputPoller.Watch(stdoutRead, OutputStream.Stdout, hub, process),
            OutputPoller.Watch(stderrRead, OutputStream.Stderr, hub, process));
        _ = process.CompleteAsync(outputEnded, table.Remove);
        if (request.TimeoutSec > 0)
        {
            process.KillAfter(TimeSpan.FromSeconds(request.TimeoutSec));
        }

        FeedStdin(process, request.Stdin.Memory, keepOpen: request.StdinOpen);
        return (process, lease);
    }

    /// <summary>Spawns or fails the call with the matching code.</summary>
    public static int SpawnOrThrow(SpawnRequest spawn)
    {
        var pid = ProcessSpawner.Spawn(spawn);
        return pid switch
        {
            > 0 => pid,
            -Errno.ENOENT or -Errno.EACCES or -Errno.ENOEXEC or -Errno.ENOTDIR or -Errno.ELOOP or -Errno.EPERM
                => throw AgentErrors.Exception(AgentErrorCode.CannotStart, $"cannot execute (errno {-pid})"),
            _ => throw new IOException($"posix_spawn failed (errno {-pid})"),
        };
    }

    public static string NewTag(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static void FeedStdin(GuestProcess process, ReadOnlyMemory<byte> data, bool keepOpen)
    {
        if (data.IsEmpty)
        {
            if (!keepOpen)
            {
                process.CloseInput();
            }

            return;
        }

        // A large stdin may block until the process reads it: never on the caller's thread.
        _ = Task.Factory.StartNew(() =>
        {
            process.WriteInput(data.Span);
            if (!keepOpen)
            {
                process.CloseInput();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();
}
