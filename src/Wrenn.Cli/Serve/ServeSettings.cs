namespace Wrenn.Cli.Serve;

/// <summary>The options of <c>wrenn serve</c>, with paths made absolute.</summary>
internal sealed record ServeSettings(string Listen, string DataDirectory, string ImagesDirectory);
