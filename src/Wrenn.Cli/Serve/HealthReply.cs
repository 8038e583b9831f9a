using System.Text.Json.Serialization;

namespace Wrenn.Cli.Serve;

/// <summary>The body of GET /health.</summary>
internal sealed record HealthReply([property: JsonPropertyName("status")] string Status, [property: JsonPropertyName("version")] string Version);

[JsonSerializable(typeof(HealthReply))]
internal sealed partial class ServeJsonContext : JsonSerializerContext;
