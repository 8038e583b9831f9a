using System.Security.Cryptography;
using System.Text;

namespace Wrenn.GuestAgent.Security;

/// <summary>
/// The per-capsule secret every call must present. It starts as the one on the kernel command line
/// and is replaced by each Init, so the boot-time value (readable by guest processes in
/// /proc/cmdline) and the one saved in a snapshot stop working as soon as the host takes over.
/// </summary>
internal sealed class AgentSecret(string initial)
{
    // Replaced whole by Init; a call compares against whichever value it read.
    private volatile byte[] _value = Encoding.UTF8.GetBytes(initial);

    public bool Matches(string presented)
    {
        var current = _value;
        return current.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), current);
    }

    public void Replace(string next)
    {
        ArgumentException.ThrowIfNullOrEmpty(next);
        _value = Encoding.UTF8.GetBytes(next);
    }
}
