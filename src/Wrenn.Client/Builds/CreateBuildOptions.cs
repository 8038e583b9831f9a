using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A template build to submit: the template's name and the recipe that makes it.</summary>
public sealed class CreateBuildOptions
{
    /// <summary>The template to make (a new name, or one of the team's templates to replace).</summary>
    public required string Name { get; init; }

    /// <summary>The recipe: one instruction a line (<c>RUN</c>, <c>START</c>, <c>ENV</c>, <c>WORKDIR</c>, <c>USER</c>, <c>COPY</c>).</summary>
    public required IReadOnlyList<string> Recipe { get; init; }

    /// <summary>The template to start from; default <c>minimal</c>.</summary>
    public string? BaseTemplate { get; init; }

    /// <summary>A check that must pass before the template is saved, e.g. <c>--interval=1s curl -f localhost:8000</c>.</summary>
    public string? Healthcheck { get; init; }

    /// <summary>Virtual CPUs (default 1); fixed when the base is a snapshot.</summary>
    public int? Vcpus { get; init; }

    /// <summary>Memory in MiB (default 512); fixed when the base is a snapshot.</summary>
    public int? MemoryMb { get; init; }

    /// <summary>Leave out the fixed steps before and after the recipe (package index, build user, clean-up).</summary>
    public bool? SkipPrePost { get; init; }

    /// <summary>Make a platform template, which every team sees (platform admins' sessions only). Not sent in the body.</summary>
    [JsonIgnore]
    public bool Platform { get; init; }
}
