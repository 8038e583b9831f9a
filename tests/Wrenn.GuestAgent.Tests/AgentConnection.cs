using Grpc.Core;
using Wrenn.Agent.Protocol.Rpc;

namespace Wrenn.GuestAgent.Tests;

/// <summary>
/// A test's client of the agent: one RPC connection over whatever stream <paramref name="open"/>
/// gives, opened by the first call. Calls carry whatever secret the test presents.
/// </summary>
internal sealed class AgentConnection(Func<CancellationToken, Task<Stream>> open) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private Task<RpcClientConnection>? _connection;

    public CallInvoker Invoker => new RpcCallInvoker(ConnectAsync, TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        if (_connection is { IsCompletedSuccessfully: true } connection)
        {
            await connection.Result.DisposeAsync();
        }
    }

    private ValueTask<RpcClientConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _connection ??= OpenAsync();
            return new ValueTask<RpcClientConnection>(_connection.WaitAsync(cancellationToken));
        }
    }

    private async Task<RpcClientConnection> OpenAsync() => new(await open(CancellationToken.None), TimeProvider.System);
}
