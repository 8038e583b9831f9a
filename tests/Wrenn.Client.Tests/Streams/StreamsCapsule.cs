using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Streams;

/// <summary>
/// One running capsule shared by the stream tests of a server (each test uses its own tags): a VM
/// boot per test would dominate their time. The server deletes it when it stops.
/// </summary>
internal static class StreamsCapsule
{
    private static readonly ConditionalWeakTable<ClientServer, Task<Capsule>> Capsules = [];

    public static async Task<CapsuleId> GetAsync(ClientServer server)
        => (await Capsules.GetValue(server, s => s.CreateRunningAsync())).Id;

    /// <summary>Starts a background process through the REST route (another part of the SDK); its pid.</summary>
    public static async Task<int> StartBackgroundAsync(ClientServer server, CapsuleId capsule, string tag, string script)
    {
        using var http = server.Server.Client();
        using var reply = await http.PostAsJsonAsync($"/v1/capsules/{capsule}/exec", new { cmd = "/bin/sh", args = new[] { "-c", script }, background = true, tag });
        reply.EnsureSuccessStatusCode();
        return (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pid").GetInt32();
    }

    /// <summary>Kills a process through the REST route.</summary>
    public static async Task KillAsync(ClientServer server, CapsuleId capsule, string tag)
    {
        using var http = server.Server.Client();
        using var reply = await http.DeleteAsync($"/v1/capsules/{capsule}/processes/{tag}");
        reply.EnsureSuccessStatusCode();
    }

    /// <summary>Waits until no listed process has <paramref name="tag"/>; false if one still has it after <paramref name="seconds"/>.</summary>
    public static async Task<bool> WaitGoneAsync(ClientServer server, CapsuleId capsule, string tag, int seconds = 10)
    {
        using var http = server.Server.Client();
        var deadline = Environment.TickCount64 + (seconds * 1000);
        while (true)
        {
            var list = await http.GetFromJsonAsync<JsonElement>($"/v1/capsules/{capsule}/processes");
            if (!list.GetProperty("processes").EnumerateArray().Any(process => process.GetProperty("tag").GetString() == tag))
            {
                return true;
            }

            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }
    }
}
