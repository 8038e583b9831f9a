using System.Globalization;
using Wrenn.Agent.Protocol;

namespace Wrenn.GuestAgent.Processes;

/// <summary>
/// Every live process the agent started, by pid and by tag, until its exit has been delivered.
/// </summary>
internal sealed class ProcessTable
{
    private readonly Dictionary<int, GuestProcess> _byPid = [];
    private readonly Dictionary<string, GuestProcess> _byTag = new(StringComparer.Ordinal);

    private readonly Lock _sync = new();

    /// <summary>Spawns under the lock and registers the result; the factory builds the entry from the pid.</summary>
    public GuestProcess Spawn(string tag, Func<int> spawn, Func<int, GuestProcess> register)
    {
        GuestProcess process;
        lock (_sync)
        {
            if (_byTag.ContainsKey(tag))
            {
                throw AgentErrors.Exception(AgentErrorCode.Conflict, "tag in use");
            }

            process = ChildReaper.SpawnWatched(spawn, register);
            _byPid[process.Pid] = process;
            _byTag[tag] = process;
        }

        return process;
    }

    /// <summary>A pid (all digits) or a tag.</summary>
    public GuestProcess? Find(string selector)
    {
        lock (_sync)
        {
            if (selector.Length > 0 && selector.All(char.IsAsciiDigit)
                && int.TryParse(selector, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return _byPid.GetValueOrDefault(pid);
            }

            return _byTag.GetValueOrDefault(selector);
        }
    }

    public GuestProcess[] Snapshot()
    {
        lock (_sync)
        {
            return [.. _byPid.Values];
        }
    }

    public void Remove(GuestProcess process)
    {
        lock (_sync)
        {
            _byPid.Remove(process.Pid);
            _byTag.Remove(process.Tag);
        }
    }
}
