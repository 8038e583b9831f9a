using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// The file an upload is written to before it is renamed over its target, beside it:
/// <c>.wrenn-&lt;12 hex&gt;.tmp</c>, or <c>….new.tmp</c> when the target did not exist yet (a name
/// of its own length, so that any name the target can have works). Watches never report it under its own name: its commit is reported as what a write in
/// place would have been, the write of the target (after its create, for a new one); the name
/// says which, since a watch learns of the temporary only after the upload may have committed.
/// </summary>
internal static partial class UploadTemporaries
{
    public static string For(string target) =>
        Path.Combine(Path.GetDirectoryName(target) ?? "/",
            $".wrenn-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{(Path.Exists(target) ? string.Empty : ".new")}.tmp");

    /// <summary>Whether <paramref name="path"/> is an upload's temporary file.</summary>
    public static bool Is(string path) => Name().IsMatch(Path.GetFileName(path));

    /// <summary>Whether the upload temporary <paramref name="path"/> creates its target.</summary>
    public static bool Creates(string path) => Name().Match(Path.GetFileName(path)).Groups[1].Success;

    [GeneratedRegex(@"^\.wrenn-[0-9a-f]{12}(\.new)?\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}
