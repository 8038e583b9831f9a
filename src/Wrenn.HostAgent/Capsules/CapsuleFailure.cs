namespace Wrenn.HostAgent.Capsules;

/// <summary>The expected ways a capsule lifecycle step fails; the API maps them to error codes.</summary>
public enum CapsuleFailure
{
    UnknownTemplate,
    /// <summary>The VM did not start, or its agent never became ready.</summary>
    BootFailed,
    /// <summary>The guest agent refused or failed a call the host needed.</summary>
    AgentFailed,
}
