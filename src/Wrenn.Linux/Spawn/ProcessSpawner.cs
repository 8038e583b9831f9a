using System.Runtime.InteropServices;

namespace Wrenn.Linux.Spawn;

/// <summary>
/// Starts programs with glibc's posix_spawn: fork-free (vfork semantics), so it is safe from a
/// multi-threaded runtime, unlike fork followed by managed code. The child gets a new session,
/// default signal dispositions and an empty signal mask (the .NET runtime ignores SIGPIPE, and
/// ignored signals would otherwise be inherited across exec, breaking pipelines such as
/// <c>seq | head</c>), its working directory, and its stdio or controlling terminal.
/// </summary>
public static unsafe partial class ProcessSpawner
{
    // spawn.h (glibc)
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const short POSIX_SPAWN_SETSID = 0x80;
    // Generous upper bounds of glibc's posix_spawnattr_t (336 bytes) and
    // posix_spawn_file_actions_t (80 bytes) on x86-64 and arm64, and of sigset_t (128 bytes).
    private const int AttrBytes = 1024;
    private const int ActionsBytes = 256;
    private const int SigsetBytes = 128;
    private const int O_RDWR = 0x2;

    /// <summary>Starts the child; returns its pid, or -errno (exec and chdir failures included).</summary>
    public static int Spawn(SpawnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var strings = new List<nint>();
        var attr = NativeMemory.AllocZeroed(AttrBytes);
        var actions = NativeMemory.AllocZeroed(ActionsBytes);
        var sigset = NativeMemory.AllocZeroed(SigsetBytes);
        try
        {
            // SAFETY: attr, actions and sigset are zeroed native blocks larger than the glibc types
            // they hold; they are initialised before use and destroyed in the finally below.
            Check(SpawnAttrInit(attr));
            Check(SigEmptySet(sigset));
            Check(SpawnAttrSetSigMask(attr, sigset));
            Check(SigFillSet(sigset));
            Check(SpawnAttrSetSigDefault(attr, sigset));
            Check(SpawnAttrSetFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            Check(FileActionsInit(actions));
            if (request.TerminalPath is { } terminal)
            {
                // After setsid, opening a terminal without O_NOCTTY makes it the controlling one.
                var path = Utf8(terminal, strings);
                Check(FileActionsAddOpen(actions, 0, path, O_RDWR, 0));
                Check(FileActionsAddDup2(actions, 0, 1));
                Check(FileActionsAddDup2(actions, 0, 2));
            }
            else if (request.Stdio is { } stdio)
            {
                Check(FileActionsAddDup2(actions, stdio.Stdin, 0));
                Check(FileActionsAddDup2(actions, stdio.Stdout, 1));
                Check(FileActionsAddDup2(actions, stdio.Stderr, 2));
            }

            Check(FileActionsAddChdir(actions, Utf8(request.WorkingDirectory, strings)));
            var argv = Vector(request.Argv, strings);
            var envp = Vector(request.Environment, strings);
            int pid;
            // SAFETY: every pointer passed is a live native allocation: NUL-terminated UTF-8 strings
            // and NULL-terminated vectors of them, all freed only after posix_spawn has returned
            // (the child has exec'd or failed by then: glibc waits for it, CLONE_VFORK).
            var error = PosixSpawn(&pid, Utf8(request.Path, strings), actions, attr, argv, envp);
            return error == 0 ? pid : -error;
        }
        catch (SpawnSetupException failure)
        {
            return -failure.Errno;
        }
        finally
        {
            // Destroying these (zeroed or initialised) objects only frees glibc's own allocations.
            _ = FileActionsDestroy(actions);
            _ = SpawnAttrDestroy(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    private static byte* Utf8(string value, List<nint> owned)
    {
        var pointer = Marshal.StringToCoTaskMemUTF8(value);
        owned.Add(pointer);
        return (byte*)pointer;
    }

    private static byte** Vector(IReadOnlyList<string> values, List<nint> owned)
    {
        var vector = (byte**)Marshal.AllocCoTaskMem((values.Count + 1) * sizeof(nint));
        owned.Add((nint)vector);
        for (var i = 0; i < values.Count; i++)
        {
            vector[i] = Utf8(values[i], owned);
        }

        vector[values.Count] = null;
        return vector;
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new SpawnSetupException(result > 0 ? result : Marshal.GetLastPInvokeError());
        }
    }

    private sealed class SpawnSetupException(int errno) : Exception
    {
        public int Errno { get; } = errno;
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int PosixSpawn(int* pid, byte* path, void* actions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int SpawnAttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int SpawnAttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    private static partial int SigEmptySet(void* sigset);

    [LibraryImport("libc", EntryPoint = "sigfillset", SetLastError = true)]
    private static partial int SigFillSet(void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    private static partial int FileActionsAddOpen(void* actions, int fd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    private static partial int FileActionsAddChdir(void* actions, byte* path);
}
