namespace Wrenn.HostAgent.Vmm.Qemu;

/// <summary>QEMU refused a QMP command. The description is QEMU's text: for logs only.</summary>
internal sealed class QmpException(string command, string errorClass, string description)
    : Exception($"QMP {command} failed: {errorClass}: {description}")
{
    public string ErrorClass { get; } = errorClass;
}
