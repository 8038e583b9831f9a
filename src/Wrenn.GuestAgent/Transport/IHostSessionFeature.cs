namespace Wrenn.GuestAgent.Transport;

/// <summary>The host session a call arrived on (host-link transports only), as a connection feature.</summary>
internal interface IHostSessionFeature
{
    /// <summary>Ends the session after the output written so far has been sent.</summary>
    void EndWhenFlushed();
}
