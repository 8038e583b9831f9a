namespace Wrenn.Server.Serve.Settings;

/// <summary>Values resolved so far, in catalog order: a default may depend on an earlier setting.</summary>
internal sealed class ResolvedSettings
{
    private readonly Dictionary<Setting, object?> _values = [];

    public T Get<T>(Setting<T> setting) => (T)_values[setting]!;

    public IReadOnlyList<TItem> Get<TItem>(ListSetting<TItem> setting) => (IReadOnlyList<TItem>)_values[setting]!;

    public void Set(Setting setting, object? value) => _values[setting] = value;

    public bool Has(Setting setting) => _values.ContainsKey(setting);
}
