using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>One side of <c>wrenn capsule cp</c>: a local path, or <c>cl-…:/path</c> in a capsule.</summary>
internal sealed record CopyEndpoint(CapsuleId? Capsule, string Path)
{
    public static CopyEndpoint Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && CapsuleId.TryParse(text[..colon], out var capsule))
        {
            var path = text[(colon + 1)..];
            return new CopyEndpoint(capsule, path.Length == 0 ? "." : path);
        }

        return new CopyEndpoint(null, text);
    }

    /// <summary>The last component of the path, which names the copy inside a target directory.</summary>
    public string Name => System.IO.Path.GetFileName(Path.TrimEnd('/')) is { Length: > 0 } name ? name : throw new CliException($"'{Path}' names no file", ExitCodes.Usage);
}
