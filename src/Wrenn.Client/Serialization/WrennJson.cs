using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>
/// Source-generated JSON for every body the SDK sends or reads (no reflection: trim- and AOT-safe).
/// snake_case members, as the API writes them; absent optional members are not sent.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Capsule))]
[JsonSerializable(typeof(List<Capsule>))]
[JsonSerializable(typeof(CreateCapsuleOptions))]
[JsonSerializable(typeof(ExecStartMessage))]
[JsonSerializable(typeof(BuildLogMessage))]
[JsonSerializable(typeof(PtyStartMessage))]
[JsonSerializable(typeof(PtyConnectMessage))]
[JsonSerializable(typeof(PtyResizeMessage))]
internal sealed partial class WrennJson : JsonSerializerContext;
