namespace Wrenn.GuestAgent.Transport;

/// <summary>Finds a virtio-serial port's device node by the name the host gave it.</summary>
internal static class VirtioPorts
{
    private const string SysfsRoot = "/sys/class/virtio-ports";

    /// <summary>
    /// The /dev path of the port named <paramref name="name"/>, or null. The name reaches sysfs
    /// asynchronously after the driver binds, so this retries until <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string?> FindAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if (Directory.Exists(SysfsRoot))
            {
                foreach (var port in Directory.EnumerateDirectories(SysfsRoot))
                {
                    var nameFile = Path.Combine(port, "name");
                    if (File.Exists(nameFile) && File.ReadAllText(nameFile).Trim() == name)
                    {
                        return "/dev/" + Path.GetFileName(port);
                    }
                }
            }

            if (Environment.TickCount64 > deadline)
            {
                return null;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}
