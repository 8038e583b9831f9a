namespace Wrenn.Client;

/// <summary>
/// The Wrenn API. One instance per server and credential; thread-safe; dispose it when done.
/// Each member groups one family of routes.
/// </summary>
/// <example>
/// <code>
/// using var wrenn = new WrennClient(WrennClientOptions.FromEnvironment());
/// var capsule = await wrenn.Capsules.CreateAsync(new CreateCapsuleOptions { Template = "base-python" });
/// </code>
/// </example>
public sealed class WrennClient : IDisposable
{
    private readonly ApiConnection _api;

    /// <summary>A client with <paramref name="options"/>; null: <see cref="WrennClientOptions.FromEnvironment"/>.</summary>
    public WrennClient(WrennClientOptions? options = null)
    {
        _api = new ApiConnection(options ?? WrennClientOptions.FromEnvironment());
        Capsules = new CapsulesClient(_api);
        Streams = new StreamsClient(_api);
        Terminals = new TerminalsClient(_api);
    }

    /// <summary>The options the client was made with.</summary>
    public WrennClientOptions Options => _api.Options;

    /// <summary>Creating, listing, pausing, resuming and deleting capsules.</summary>
    public CapsulesClient Capsules { get; }

    /// <summary>Streaming exec, attaching to running processes and following build logs (WebSockets).</summary>
    public StreamsClient Streams { get; }

    /// <summary>Terminal (PTY) sessions: start, re-attach, input, resize, kill (WebSockets).</summary>
    public TerminalsClient Terminals { get; }

    /// <inheritdoc />
    public void Dispose() => _api.Dispose();
}
