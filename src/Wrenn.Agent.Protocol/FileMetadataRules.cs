namespace Wrenn.Agent.Protocol;

/// <summary>
/// The limits of a file's user-defined metadata (<c>WriteHeader.metadata</c>), as E2B's daemon has
/// them: the control plane checks them to tell the client why, and the guest agent, which must not
/// trust its caller's checks, again.
/// </summary>
public static class FileMetadataRules
{
    /// <summary>The extended attributes' namespace: where E2B's daemon keeps them too.</summary>
    public const string Namespace = "user.e2b.";

    // XATTR_NAME_MAX (255) less the namespace; the namespace counts once per key in the total.
    private const int MaxKeyLength = 255 - 9;
    private const int MaxTotalBytes = 4096;

    /// <summary>Why <paramref name="metadata"/> breaks the limits; null when it keeps them.</summary>
    public static string? Refusal(IEnumerable<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var total = 0;
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxKeyLength || !IsPrintableAscii(key) || !IsPrintableAscii(value))
            {
                return "file metadata keys and values must be printable ASCII, keys of 1 to 246 characters";
            }

            total += Namespace.Length + key.Length + value.Length;
        }

        return total > MaxTotalBytes ? "a file's metadata is limited to 4096 bytes" : null;
    }

    private static bool IsPrintableAscii(string text) => text.All(character => character is >= ' ' and <= '~');
}
