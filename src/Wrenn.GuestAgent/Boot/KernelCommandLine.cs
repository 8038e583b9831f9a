namespace Wrenn.GuestAgent.Boot;

/// <summary>The <c>wrenn.*</c> parameters the host puts on the kernel command line.</summary>
internal sealed record KernelCommandLine(string Secret, string Link)
{
    /// <summary>The virtio-serial port the QEMU driver names for the agent.</summary>
    public const string DefaultLink = "virtio:wrenn-agent";

    public static KernelCommandLine Parse(string text)
    {
        var secret = string.Empty;
        var link = DefaultLink;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (word.StartsWith("wrenn.secret=", StringComparison.Ordinal))
            {
                secret = word["wrenn.secret=".Length..];
            }
            else if (word.StartsWith("wrenn.link=", StringComparison.Ordinal))
            {
                link = word["wrenn.link=".Length..];
            }
        }

        return new KernelCommandLine(secret, link);
    }
}
