using System.Globalization;

namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>
/// Unprivileged identities for QEMU processes: each VM runs as a uid (and gid) of its own from a
/// range no account uses, so a VMM that a guest took over holds no privilege on the host and
/// cannot touch another VM's process. QEMU opens its files, devices and sockets as root, then drops
/// to the VM's identity (<c>-runas</c>); what it must create later (a snapshot's device state, the
/// socket a restore streams into) it creates in the VM's exchange directory, the only place on the
/// host that identity may write.
/// </summary>
internal sealed class VmUsers
{
    /// <summary>First uid of the range: far above accounts and the subordinate ids of user namespaces.</summary>
    public const int First = 1_900_000_000;

    public const int Count = 1_000_000;

    /// <summary>Where the exchange directories live (0711: each VM reaches only its own, 0700 and owned by it).</summary>
    public const string ExchangeRoot = "/run/wrenn-vmm";

    private readonly HashSet<int> _starting = [];

    /// <summary>The exchange directory of the VM running as <paramref name="uid"/>.</summary>
    public static string ExchangeOf(int uid) => Path.Combine(ExchangeRoot, uid.ToString(CultureInfo.InvariantCulture));

    /// <summary>The real uid of a process; null when it is gone (or a zombie: it holds nothing any more).</summary>
    public static int? UidOf(int pid)
    {
        try
        {
            var lines = File.ReadLines($"/proc/{pid}/status").ToList();
            if (lines.Any(text => text.StartsWith("State:\tZ", StringComparison.Ordinal)))
            {
                return null;
            }

            var line = lines.FirstOrDefault(text => text.StartsWith("Uid:", StringComparison.Ordinal));
            return line is not null && int.TryParse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// A uid no process (of this or another server on the host) runs as, with its exchange
    /// directory made afresh; held as starting until the lease is disposed, by when QEMU runs as it.
    /// </summary>
    public async Task<VmUserLease> AcquireAsync(CancellationToken cancellationToken)
    {
        int uid;
        lock (_starting)
        {
            var running = RunningUids();
            uid = Enumerable.Range(First, Count).First(candidate => !running.Contains(candidate) && !_starting.Contains(candidate));
            _starting.Add(uid);
        }

        try
        {
            var exchange = ExchangeOf(uid);
            Directory.CreateDirectory(ExchangeRoot).UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if (Directory.Exists(exchange))
            {
                Directory.Delete(exchange, recursive: true);
            }

            Directory.CreateDirectory(exchange, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var owner = uid.ToString(CultureInfo.InvariantCulture);
            await HostCommand.RunAsync("chown", [$"{owner}:{owner}", exchange], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Started(uid);
            throw;
        }

        return new VmUserLease(uid, ExchangeOf(uid), () => Started(uid));
    }

    /// <summary>A lease whose QEMU never ran (its start failed): the uid is free again and its exchange directory goes.</summary>
    public void Abandon(VmUserLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lease.Dispose();
        RemoveExchange(lease.Uid);
    }

    /// <summary>Removes a VM's exchange directory once its process is gone — unless a new VM has already taken the uid.</summary>
    public void RemoveExchange(int uid)
    {
        lock (_starting)
        {
            if (_starting.Contains(uid) || RunningUids().Contains(uid))
            {
                return;
            }

            try
            {
                Directory.Delete(ExchangeOf(uid), recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Never made, or already removed.
            }
        }
    }

    /// <summary>Whether <paramref name="uid"/> is one of the range's.</summary>
    public static bool IsVmUser(int uid) => uid >= First && uid < First + Count;

    private void Started(int uid)
    {
        lock (_starting)
        {
            _starting.Remove(uid);
        }
    }

    private static HashSet<int> RunningUids()
    {
        var uids = new HashSet<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out var pid) && UidOf(pid) is { } uid && uid >= First && uid < First + Count)
            {
                uids.Add(uid);
            }
        }

        return uids;
    }
}

/// <summary>A VM identity being started with; disposing it says QEMU now runs as it (or never will).</summary>
internal sealed class VmUserLease(int uid, string exchange, Action release) : IDisposable
{
    public int Uid { get; } = uid;

    public string Exchange { get; } = exchange;

    public void Dispose() => release();
}
