using System.Runtime.InteropServices;

namespace Wrenn.Host.Protocol;

/// <summary>
/// What a host reports about its machine when it registers (the in-process host and <c>wrenn agent</c>
/// alike): architecture as the spec names it, cores, memory and the size of the data directory's file system.
/// </summary>
public sealed record ThisMachine(string Arch, int CpuCores, long MemoryMb, long DiskGb)
{
    public static ThisMachine Of(string dataDirectory)
    {
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            var other => other.ToString().ToLowerInvariant(),
        };
        return new ThisMachine(arch, Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20, new DriveInfo(dataDirectory).TotalSize >> 30);
    }
}
