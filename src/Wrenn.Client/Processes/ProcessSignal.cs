namespace Wrenn.Client;

/// <summary>A signal for <see cref="ProcessesClient.KillAsync"/>; it goes to the process's whole group.</summary>
public enum ProcessSignal
{
    /// <summary><c>SIGKILL</c>: the call returns once the process has exited.</summary>
    Kill,

    /// <summary><c>SIGTERM</c>.</summary>
    Terminate,

    /// <summary><c>SIGINT</c>, as from Ctrl+C.</summary>
    Interrupt,

    /// <summary><c>SIGHUP</c>.</summary>
    Hangup,

    /// <summary><c>SIGQUIT</c>.</summary>
    Quit,

    /// <summary><c>SIGUSR1</c>.</summary>
    User1,

    /// <summary><c>SIGUSR2</c>.</summary>
    User2,
}
