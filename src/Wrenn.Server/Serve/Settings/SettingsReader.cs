using System.Collections;
using System.Text.Json;

namespace Wrenn.Server.Serve.Settings;

/// <summary>
/// Resolves every setting of a catalog (<see cref="ServeCatalog"/> unless another is given) from, in order of precedence, the command
/// line, <c>WRENN_*</c> environment variables and the JSON config file, else its default. Every
/// problem is collected, so an operator sees them all at once.
/// </summary>
internal sealed class SettingsReader(IReadOnlyList<Setting>? catalog = null)
{
    private readonly IReadOnlyList<Setting> _catalog = catalog ?? ServeCatalog.All;

    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    /// <param name="flags">Raw values given on the command line, by setting.</param>
    /// <param name="environment">The process environment.</param>
    /// <param name="configFile">The JSON config file, if one was named.</param>
    public ResolvedSettings Read(IReadOnlyDictionary<Setting, IReadOnlyList<string>> flags, IDictionary environment, string? configFile)
    {
        var file = configFile is null ? [] : ReadFile(configFile);
        var resolved = new ResolvedSettings();
        foreach (var setting in _catalog)
        {
            var (raw, source) = flags.TryGetValue(setting, out var given) && given.Count > 0 ? (given, setting.Flag)
                : environment[setting.EnvironmentVariable] is string text ? (Split(setting, text), setting.EnvironmentVariable)
                : file.TryGetValue(setting.Key, out var fromFile) ? (fromFile, $"\"{setting.Key}\" in {configFile}")
                : (null, null);
            try
            {
                resolved.Set(setting, raw is null ? setting.Fallback(resolved) : setting.Parse(raw));
            }
            catch (FormatException exception)
            {
                _errors.Add($"{source}: {exception.Message}");
                resolved.Set(setting, setting.Fallback(resolved));
            }
        }

        return resolved;
    }

    private static List<string> Split(Setting setting, string text) => setting.IsList ? ValueParsers.Items(text).ToList() : [text];

    /// <summary>The file's values by key; unknown keys and unreadable files are errors.</summary>
    private Dictionary<string, IReadOnlyList<string>> ReadFile(string path)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            _errors.Add($"{path}: cannot be read as JSON ({exception.Message})");
            return values;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                _errors.Add($"{path}: must hold one JSON object of settings");
                return values;
            }

            var known = _catalog.Select(setting => setting.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!known.Contains(property.Name))
                {
                    _errors.Add($"{path}: \"{property.Name}\" is not a setting (see wrenn serve --help)");
                    continue;
                }

                var items = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().Select(Text).ToList() : [Text(property.Value)];
                values[property.Name] = items;
            }
        }

        return values;
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
