using System.Text.Json.Serialization;
using Wrenn.Cli.Capsules;
using Wrenn.Cli.Login;
using Wrenn.Client;

namespace Wrenn.Cli;

/// <summary>
/// The command line's JSON: the saved login, and <c>--json</c> output — the SDK's objects in the
/// API's own snake_case shape, so scripts read what the API documents.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StoredLogin))]
[JsonSerializable(typeof(CliError))]
[JsonSerializable(typeof(Capsule))]
[JsonSerializable(typeof(List<Capsule>))]
[JsonSerializable(typeof(ExecJson))]
[JsonSerializable(typeof(ProcessLogJson))]
[JsonSerializable(typeof(List<ListeningPort>))]
[JsonSerializable(typeof(CapsuleMetrics))]
[JsonSerializable(typeof(IReadOnlyList<Template>))]
[JsonSerializable(typeof(Build))]
[JsonSerializable(typeof(IReadOnlyList<ApiKey>))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(IReadOnlyList<HostInfo>))]
[JsonSerializable(typeof(HostInfo))]
internal sealed partial class CliJson : JsonSerializerContext;
