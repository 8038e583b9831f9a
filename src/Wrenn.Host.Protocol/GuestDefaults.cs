using System.Text.Json.Serialization;

namespace Wrenn.Host.Protocol;

/// <summary>
/// What the processes of a capsule get when a request does not say: the user they run as and
/// variables of their environment. A template built from a recipe gives its capsules its last USER
/// and its ENV; the guest agent applies them at every Init (create and resume).
/// </summary>
public sealed record GuestDefaults(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Environment);
