namespace Wrenn.Server.Serve.Settings;

/// <summary>
/// One operator setting of <c>wrenn serve</c>. The same value can come from a flag
/// (<c>--max-vcpus</c>), an environment variable (<c>WRENN_MAX_VCPUS</c>) or the config file
/// (<c>"max_vcpus"</c>), in that order of precedence, else from its default.
/// </summary>
internal abstract class Setting(string key, string group, string description, bool isList)
{
    /// <summary>The config-file key, e.g. <c>max_vcpus</c>.</summary>
    public string Key { get; } = key;

    public string Group { get; } = group;

    public string Description { get; } = description;

    /// <summary>Several values (the flag may be repeated; env and file values are comma-separated lists).</summary>
    public bool IsList { get; } = isList;

    public string Flag => "--" + Key.Replace('_', '-');

    public string EnvironmentVariable => "WRENN_" + Key.ToUpperInvariant();

    /// <summary>The default as shown in help and docs.</summary>
    public abstract string DefaultText { get; }

    /// <summary>The typed value of the raw items a source gave (one, or several for a list).</summary>
    public abstract object? Parse(IReadOnlyList<string> raw);

    /// <summary>The value when no source sets one (may depend on settings resolved before it).</summary>
    public abstract object? Fallback(ResolvedSettings resolved);
}

/// <summary>A setting whose value is a <typeparamref name="T"/>.</summary>
internal sealed class Setting<T>(string key, string group, string description, Func<string, T> parse, Func<ResolvedSettings, T> fallback, string defaultText)
    : Setting(key, group, description, isList: false)
{
    public override string DefaultText { get; } = defaultText;

    /// <summary>Parses the raw value; throws <see cref="FormatException"/> with a message for the operator.</summary>
    public override object? Parse(IReadOnlyList<string> raw) =>
        raw.Count == 1 ? parse(raw[0]) : throw new FormatException("give it once");

    public override object? Fallback(ResolvedSettings resolved) => fallback(resolved);
}

/// <summary>A setting holding several <typeparamref name="TItem"/>s.</summary>
internal sealed class ListSetting<TItem>(string key, string group, string description, Func<string, TItem> parse, string defaultText,
    IReadOnlyList<TItem>? defaults = null)
    : Setting(key, group, description, isList: true)
{
    public override string DefaultText { get; } = defaultText;

    public override object? Parse(IReadOnlyList<string> raw) => raw.Select(parse).ToList();

    public override object? Fallback(ResolvedSettings resolved) => defaults ?? [];
}
