using System.Text.Json.Nodes;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// The bodies of the Firecracker API calls Wrenn makes. Paths inside them are as Firecracker sees
/// them (inside its jail or private mount), so a snapshot restores unchanged into any capsule.
/// </summary>
internal static class FirecrackerRequests
{
    /// <summary>The guest's vsock context id; the same in every VM (each has its own vsock device).</summary>
    public const int GuestCid = 3;

    /// <summary>The guest agent's vsock port (the agent's command line says wrenn.link=vsock:PORT).</summary>
    public const uint AgentPort = 5000;

    public const string Interface = "eth0";

    public static JsonObject BootSource(string kernel, string initrd, string arguments) => new()
    {
        ["kernel_image_path"] = kernel,
        ["initrd_path"] = initrd,
        ["boot_args"] = arguments,
    };

    public static JsonObject RootDrive(string path) => new()
    {
        ["drive_id"] = "rootfs",
        ["path_on_host"] = path,
        ["is_root_device"] = true,
        ["is_read_only"] = false,
    };

    /// <summary>Dirty page tracking on, so every pause after the first writes only the pages that changed.</summary>
    public static JsonObject MachineConfig(int vcpus, int memoryMb) => new()
    {
        ["vcpu_count"] = vcpus,
        ["mem_size_mib"] = memoryMb,
        ["smt"] = false,
        ["track_dirty_pages"] = true,
    };

    public static JsonObject Vsock(string udsPath) => new()
    {
        ["guest_cid"] = GuestCid,
        ["uds_path"] = udsPath,
    };

    public static JsonObject NetworkInterface(string tapName, string guestMac) => new()
    {
        ["iface_id"] = Interface,
        ["host_dev_name"] = tapName,
        ["guest_mac"] = guestMac,
    };

    /// <summary>virtio-rng: the guest kernel's pool is fed from the host.</summary>
    public static JsonObject Entropy() => [];

    public static JsonObject Action(string type) => new() { ["action_type"] = type };

    public static JsonObject VmState(string state) => new() { ["state"] = state };

    public static JsonObject CreateSnapshot(bool diff, string statePath, string memoryPath) => new()
    {
        ["snapshot_type"] = diff ? "Diff" : "Full",
        ["snapshot_path"] = statePath,
        ["mem_file_path"] = memoryPath,
    };

    /// <summary>
    /// Restore with guest memory served by Wrenn's page server. Dirty tracking continues, so the next
    /// pause is a Diff. Firecracker 1.12 renamed the flag; older versions know only the old name.
    /// </summary>
    public static JsonObject LoadSnapshot(string statePath, string pageServerSocket, Version firecracker) => new()
    {
        ["snapshot_path"] = statePath,
        ["mem_backend"] = new JsonObject { ["backend_type"] = "Uffd", ["backend_path"] = pageServerSocket },
        [firecracker >= new Version(1, 12) ? "track_dirty_pages" : "enable_diff_snapshots"] = true,
        ["resume_vm"] = false,
    };
}
