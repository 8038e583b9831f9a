using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A process started in the background: it outlives the request and runs until it exits, is killed or times out.</summary>
/// <param name="CapsuleId">The capsule it runs in.</param>
/// <param name="Cmd">The command as requested.</param>
/// <param name="Pid">Its guest process id.</param>
/// <param name="Tag">Its tag, by which it can be killed or attached to.</param>
public sealed record BackgroundProcess(
    [property: JsonPropertyName("sandbox_id")] CapsuleId CapsuleId,
    string Cmd,
    int Pid,
    string Tag);
