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
        Commands = new CommandsClient(_api);
        Processes = new ProcessesClient(_api);
        Files = new FilesClient(_api);
        Templates = new TemplatesClient(_api);
        Builds = new BuildsClient(_api);
        Metrics = new MetricsClient(_api);
        Auth = new AuthClient(_api);
        Teams = new TeamsClient(_api);
        ApiKeys = new ApiKeysClient(_api);
        AuditLog = new AuditLogClient(_api);
        Hosts = new HostsClient(_api);
        Streams = new StreamsClient(_api);
        Terminals = new TerminalsClient(_api);
    }

    /// <summary>The options the client was made with.</summary>
    public WrennClientOptions Options => _api.Options;

    /// <summary>Creating, listing, pausing, resuming and deleting capsules.</summary>
    public CapsulesClient Capsules { get; }

    /// <summary>Running commands in a capsule, in the foreground or the background.</summary>
    public CommandsClient Commands { get; }

    /// <summary>Listing and signalling a capsule's processes.</summary>
    public ProcessesClient Processes { get; }

    /// <summary>Reading, writing, uploading, downloading and listing a capsule's files.</summary>
    public FilesClient Files { get; }

    /// <summary>Listing, snapshotting into and deleting templates.</summary>
    public TemplatesClient Templates { get; }

    /// <summary>Building templates from recipes.</summary>
    public BuildsClient Builds { get; }

    /// <summary>Capsule metrics, team stats and usage.</summary>
    public MetricsClient Metrics { get; }

    /// <summary>Sign-up, login and sessions.</summary>
    public AuthClient Auth { get; }

    /// <summary>Teams and their members (session only).</summary>
    public TeamsClient Teams { get; }

    /// <summary>The team's API keys (session only).</summary>
    public ApiKeysClient ApiKeys { get; }

    /// <summary>The team's audit log (session only).</summary>
    public AuditLogClient AuditLog { get; }

    /// <summary>The machines that run capsules (session only).</summary>
    public HostsClient Hosts { get; }

    /// <summary>Streaming exec, attaching to running processes and following build logs (WebSockets).</summary>
    public StreamsClient Streams { get; }

    /// <summary>Terminal (PTY) sessions: start, re-attach, input, resize, kill (WebSockets).</summary>
    public TerminalsClient Terminals { get; }

    /// <summary>
    /// A new client of the same server and settings that acts with <paramref name="session"/> (for example one from
    /// <see cref="AuthClient.LoginAsync"/>). This client's API key is not carried over: the server would prefer it to
    /// the session. Dispose the new client too.
    /// </summary>
    public WrennClient WithSession(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new WrennClient(new WrennClientOptions
        {
            BaseUrl = Options.BaseUrl,
            AccessToken = session.Token,
            Timeout = Options.Timeout,
            Handler = Options.Handler,
        });
    }

    /// <inheritdoc />
    public void Dispose() => _api.Dispose();
}
