using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// E2B's own JavaScript SDK, the npm package pinned in <c>tests/e2b/package-lock.json</c>
/// (installed by <c>make test</c>), runs the conformance script <c>tests/e2b/sdk.test.mjs</c>
/// against the shared real server and its capsules, in the SDK's plain-HTTP mode
/// (<c>E2B_API_URL</c>, <c>E2B_SANDBOX_URL</c>): create, commands, terminals, files, pause and
/// connect, list, timeouts and kill, as an E2B user's code calls them; and the code interpreter SDK
/// (<c>tests/e2b/interpreter.test.mjs</c>).
/// </summary>
[Collection("server")]
public sealed class E2bSdkTests(ServerFixture fixture)
{
    [Fact]
    public Task TheE2bSdk_WorksUnmodified_AgainstWrenn() => RunAsync("sdk.test.mjs");

    [Fact]
    public Task TheE2bCodeInterpreterSdk_RunsCode_OnTheCodeRunnerKernels() => RunAsync("interpreter.test.mjs");

    private Task RunAsync(string script) => NodeScripts.RunAsync(script, NodeScripts.PlainHttp(fixture.Server));
}

/// <summary>
/// The SDK in its default mode, with only <c>E2B_DOMAIN</c>: <c>https://api.&lt;domain&gt;</c> and
/// <c>https://&lt;port&gt;-&lt;sandbox&gt;.&lt;domain&gt;</c> served by a server with its development CA
/// (<c>tls_local_ca</c>), trusted through <c>NODE_EXTRA_CA_CERTS</c> (<c>tests/e2b/hosts.test.mjs</c>).
/// </summary>
public sealed class E2bHostsTests : IAsyncLifetime
{
    private const string Domain = "wrenn.test";

    private WrennServer _server = null!;

    public async Task InitializeAsync() => _server = await WrennServer.StartAsync("--proxy-domain", Domain, "--tls-local-ca", "on");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TheE2bSdk_ReachesWrenn_ByItsHostNames_OverTls()
    {
        await NodeScripts.RunAsync("hosts.test.mjs", new Dictionary<string, string>
        {
            ["E2B_API_KEY"] = _server.AdminKey,
            ["E2B_DOMAIN"] = $"{Domain}:{_server.Port}",
            ["NODE_EXTRA_CA_CERTS"] = _server.CaCertificate,
            ["WRENN_TEST_DNS_SUFFIX"] = Domain,
        }, "--require", "./resolve-to-loopback.cjs");
    }
}

/// <summary>
/// A terminal started through E2B's SDK outlives a restart of the server (its capsule runs on):
/// afterwards the SDK's unary calls reach it and a connect takes it over
/// (<c>tests/e2b/terminal-restart.mjs</c>, one phase before and one after the restart).
/// </summary>
public sealed class E2bTerminalRestartTests : IAsyncLifetime
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "wrenn-terminal-" + Guid.NewGuid().ToString("N") + ".json");

    private WrennServer _server = null!;

    public async Task InitializeAsync() => _server = await WrennServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_state);
    }

    [Fact]
    public async Task ATerminal_IsReachedAndTakenOver_AfterTheServerRestarts()
    {
        await RunAsync("start");
        await _server.StopAsync(kill: false);
        await _server.RestartAsync();
        await RunAsync("after");
    }

    private Task RunAsync(string phase)
    {
        var environment = NodeScripts.PlainHttp(_server);
        environment["WRENN_TEST_PHASE"] = phase;
        environment["WRENN_TEST_STATE"] = _state;
        return NodeScripts.RunAsync("terminal-restart.mjs", environment);
    }
}
