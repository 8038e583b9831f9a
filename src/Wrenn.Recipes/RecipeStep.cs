namespace Wrenn.Recipes;

/// <summary>One line of a recipe (docs/builds.md); <see cref="Raw"/> is the line as written, for logs.</summary>
public abstract record RecipeStep(string Raw);

/// <summary><c>RUN [--timeout=D] command</c>: a shell command that must exit 0; null timeout: the phase's default.</summary>
public sealed record RunStep(string Raw, string Command, TimeSpan? Timeout) : RecipeStep(Raw);

/// <summary><c>START command</c>: a shell command left running in the background (the template's service).</summary>
public sealed record StartStep(string Raw, string Command) : RecipeStep(Raw);

/// <summary><c>ENV KEY=VALUE</c>: sets a variable for later steps and for the template.</summary>
public sealed record EnvStep(string Raw, string Key, string Value) : RecipeStep(Raw);

/// <summary><c>WORKDIR path</c>: created, then the directory later steps run in.</summary>
public sealed record WorkdirStep(string Raw, string Path) : RecipeStep(Raw);

/// <summary><c>USER name</c>: created when missing (with passwordless sudo), then the user later steps run as.</summary>
public sealed record UserStep(string Raw, string Name) : RecipeStep(Raw);

/// <summary><c>COPY src... dst</c>: files of the build's uploaded archive copied into the capsule.</summary>
public sealed record CopyStep(string Raw, IReadOnlyList<string> Sources, string Destination) : RecipeStep(Raw);
