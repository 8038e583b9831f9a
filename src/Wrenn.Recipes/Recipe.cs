namespace Wrenn.Recipes;

/// <summary>
/// Parses recipes in the reference Wrenn's language, so recipes written for it build here unchanged
/// (docs/builds.md): one instruction per line, the keyword (any case) up to the first space.
/// Unlike there, blank lines are skipped rather than refused.
/// </summary>
public static class Recipe
{
    public static IReadOnlyList<RecipeStep> Parse(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var steps = new List<RecipeStep>();
        for (var index = 0; index < lines.Count; index++)
        {
            var line = lines[index].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                steps.Add(ParseStep(line));
            }
            catch (RecipeException exception)
            {
                throw new RecipeException($"recipe line {index + 1}: {exception.Message}");
            }
        }

        return steps.Count > 0 ? steps : throw new RecipeException("recipe must contain at least one command");
    }

    /// <summary>A recipe file: one instruction per line.</summary>
    public static IReadOnlyList<RecipeStep> Load(string path) => Parse(File.ReadAllLines(path));

    private static RecipeStep ParseStep(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..].Trim();
        return keyword switch
        {
            "RUN" => ParseRun(line, rest),
            "START" => rest.Length > 0 ? new StartStep(line, rest) : throw new RecipeException($"START requires a command: \"{line}\""),
            "ENV" => ParseEnv(line, rest),
            "WORKDIR" => rest.Length > 0 ? new WorkdirStep(line, rest) : throw new RecipeException($"WORKDIR requires a path: \"{line}\""),
            "USER" => new UserStep(line, ValidUser(line, rest)),
            "COPY" => ParseCopy(line, rest),
            _ => throw new RecipeException($"unknown instruction \"{keyword}\" (expected RUN, START, ENV, WORKDIR, USER, or COPY)"),
        };
    }

    private static RunStep ParseRun(string line, string rest)
    {
        if (rest.Length == 0)
        {
            throw new RecipeException($"RUN requires a command: \"{line}\"");
        }

        if (!rest.StartsWith("--timeout=", StringComparison.Ordinal))
        {
            return new RunStep(line, rest, null);
        }

        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var command = space < 0 ? "" : rest[(space + 1)..].Trim();
        if (command.Length == 0)
        {
            throw new RecipeException($"RUN --timeout= flag has no command: \"{line}\"");
        }

        var value = rest["--timeout=".Length..(space < 0 ? rest.Length : space)];
        return GoDuration.TryParse(value, out var timeout) && timeout > TimeSpan.Zero && timeout <= GoDuration.Longest
            ? new RunStep(line, command, timeout)
            : throw new RecipeException($"RUN --timeout= invalid duration \"{value}\"");
    }

    private static EnvStep ParseEnv(string line, string rest)
    {
        var equals = rest.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new RecipeException($"ENV requires KEY=VALUE format: \"{line}\"");
        }

        if (equals == 0)
        {
            throw new RecipeException($"ENV key is empty: \"{line}\"");
        }

        // Stricter than the reference, whose shell prefix then broke every later step.
        var key = rest[..equals];
        return IsVariableName(key) && !rest.Contains('\0', StringComparison.Ordinal)
            ? new EnvStep(line, key, rest[(equals + 1)..])
            : throw new RecipeException($"ENV key must be a shell variable name ([A-Za-z_][A-Za-z0-9_]*): \"{line}\"");
    }

    private static bool IsVariableName(string key) =>
        (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string ValidUser(string line, string name)
    {
        if (name.Length == 0)
        {
            throw new RecipeException($"USER requires a username: \"{line}\"");
        }

        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            throw new RecipeException($"USER username must start with a letter or underscore: \"{line}\"");
        }

        var bad = name.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));
        return bad == default ? name : throw new RecipeException($"USER username contains invalid character '{bad}': \"{line}\"");
    }

    private static CopyStep ParseCopy(string line, string rest)
    {
        var fields = rest.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2
            ? new CopyStep(line, fields[..^1], fields[^1])
            : throw new RecipeException($"COPY requires <src>... <dst>: \"{line}\"");
    }
}
