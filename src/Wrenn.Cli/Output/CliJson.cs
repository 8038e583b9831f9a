using System.Text.Json.Serialization;
using Wrenn.Cli.Login;

namespace Wrenn.Cli;

/// <summary>The command line's own JSON (the saved login, <c>--json</c> shapes the API does not have).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StoredLogin))]
[JsonSerializable(typeof(CliError))]
internal sealed partial class CliJson : JsonSerializerContext;
