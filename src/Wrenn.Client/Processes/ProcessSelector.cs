using System.Globalization;

namespace Wrenn.Client;

/// <summary>A process of a capsule named by its pid or its tag (tags are never all digits, so the two cannot be confused).</summary>
public readonly record struct ProcessSelector
{
    private ProcessSelector(string value) => Value = value;

    /// <summary>The selector as the API takes it in a path: the pid's digits or the tag.</summary>
    public string Value { get; }

    /// <summary>The process with guest process id <paramref name="pid"/>.</summary>
    public static ProcessSelector Pid(int pid) =>
        pid > 0 ? new(pid.ToString(CultureInfo.InvariantCulture)) : throw new ArgumentOutOfRangeException(nameof(pid), pid, "a pid is positive");

    /// <summary>The process tagged <paramref name="tag"/>.</summary>
    public static ProcessSelector Tag(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        return tag.All(char.IsAsciiDigit) ? throw new ArgumentException("a tag is never all digits: use Pid", nameof(tag)) : new(tag);
    }

    /// <summary>The process with guest process id <paramref name="pid"/>.</summary>
    public static implicit operator ProcessSelector(int pid) => Pid(pid);

    /// <summary>The process tagged <paramref name="tag"/>.</summary>
    public static implicit operator ProcessSelector(string tag) => Tag(tag);

    /// <inheritdoc />
    public override string ToString() => Value;
}
