namespace Wrenn.SnapshotStore;

/// <summary>
/// The rules every object key and listing prefix follow, whatever the store: relative paths of
/// lowercase letters, digits, '.', '_', '-' and '/'. They map onto a directory without escaping it
/// and onto S3 without encoding.
/// </summary>
internal static class ObjectKey
{
    private const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a safe relative path.</summary>
    public static void Validate(string key, string parameterName)
    {
        if (!IsValid(key))
        {
            throw new ArgumentException("an object key is a relative path of a-z, 0-9, '.', '_', '-' and '/', without '.' or '..' segments", parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> is empty or the start of a safe key.</summary>
    public static void ValidatePrefix(string prefix, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        var complete = prefix.EndsWith('/') ? prefix[..^1] : prefix + "x";
        if (prefix.Length > 0 && !IsValid(complete))
        {
            throw new ArgumentException("a listing prefix is empty or the start of an object key", parameterName);
        }
    }

    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || !key.All(IsKeyCharacter))
        {
            return false;
        }

        return key.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
    }

    private static bool IsKeyCharacter(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/';
}
