using System.Text.Json;
using System.Text.Json.Serialization;
using Wrenn.Host.Protocol;

namespace Wrenn.HostAgent.Capsules;

/// <summary>
/// What the host agent must remember about a capsule to adopt it after a restart: capsule.json in
/// its directory, written atomically (temporary file, then rename) and readable by root only,
/// because it holds the agent secret.
/// </summary>
public sealed record CapsuleState(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("template")] string Template,
    [property: JsonPropertyName("vcpus")] int Vcpus,
    [property: JsonPropertyName("memory_mb")] int MemoryMb,
    [property: JsonPropertyName("vmm")] string Vmm,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("pid_start_ticks")] long PidStartTicks,
    [property: JsonPropertyName("secret")] string Secret,
    // The secret an Init in flight is installing: if the host dies mid-Init, one of the two works.
    [property: JsonPropertyName("next_secret")] string? NextSecret,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("status")] CapsuleStatus Status,
    // RAM backing: the capsule's own memory.ram (shared) or a template's (copy-on-write).
    [property: JsonPropertyName("memory_path")] string MemoryPath,
    [property: JsonPropertyName("memory_shared")] bool MemoryShared,
    // What the capsule's disk.qcow2 overlay sits on: a template image or template snapshot disk.
    [property: JsonPropertyName("root_image")] string RootImage,
    // The latest committed pause generation (snapshots/gen-N), 0 before the first pause.
    [property: JsonPropertyName("generation")] int Generation,
    // Whether the VM has a network card in a capsule network namespace (capsules made before
    // QEMU capsules had one do not, and keep their device model across pause and resume).
    [property: JsonPropertyName("network")] bool Network = false,
    // The user and environment its processes get by default (a template built from a recipe's).
    [property: JsonPropertyName("defaults")] GuestDefaults? Defaults = null)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter<CapsuleStatus>(JsonNamingPolicy.SnakeCaseLower) },
    };

    public async Task SaveAsync(CapsuleDirectory directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var temporary = directory.StateFile + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using (var file = new FileStream(temporary, options))
        {
            await JsonSerializer.SerializeAsync(file, this, Options, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, directory.StateFile, overwrite: true);
    }

    public static CapsuleState? Load(CapsuleDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            return JsonSerializer.Deserialize<CapsuleState>(File.ReadAllText(directory.StateFile), Options);
        }
        catch (Exception exception) when (exception is IOException or JsonException)
        {
            return null;
        }
    }
}
