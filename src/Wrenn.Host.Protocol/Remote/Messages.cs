namespace Wrenn.Host.Protocol.Remote;

/// <summary>Conversions between the host interface's records and host.proto's messages.</summary>
public static class Messages
{
    public static Defaults? ToMessage(GuestDefaults? defaults)
    {
        if (defaults is null)
        {
            return null;
        }

        var message = new Defaults { User = defaults.User };
        foreach (var (name, value) in defaults.Environment)
        {
            message.Environment[name] = value;
        }

        return message;
    }

    public static GuestDefaults? FromMessage(Defaults? defaults) =>
        defaults is null ? null : new GuestDefaults(defaults.User, new Dictionary<string, string>(defaults.Environment, StringComparer.Ordinal));

    public static CapsuleReply ToMessage(HostedCapsule capsule)
    {
        ArgumentNullException.ThrowIfNull(capsule);
        return new CapsuleReply { Id = capsule.Id.Value, AgentVersion = capsule.AgentVersion, KernelVersion = capsule.KernelVersion };
    }

    public static HostedCapsule FromMessage(CapsuleReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new HostedCapsule(Id(reply.Id), reply.AgentVersion, reply.KernelVersion);
    }

    /// <summary>A capsule id from the other side; a malformed one is a protocol violation.</summary>
    public static CapsuleId Id(string text) =>
        CapsuleId.TryParse(text, out var id) ? id : throw new FormatException("not a capsule id");
}
