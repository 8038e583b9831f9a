using Wrenn.ControlPlane.Capsules;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>The host holding each capsule, reached through <see cref="ICapsuleHost"/> only.</summary>
internal sealed class CapsuleHosts(ICapsuleHost local)
{
    /// <summary>The in-process host of this server.</summary>
    public ICapsuleHost Local => local;

    /// <summary>The host the capsule was placed on.</summary>
    public ICapsuleHost For(CapsuleRecord record) => local;

    /// <summary>Every host this server reaches.</summary>
    public IReadOnlyList<ICapsuleHost> All => [local];
}
