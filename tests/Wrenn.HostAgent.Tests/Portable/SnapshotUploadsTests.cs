using System.Diagnostics;
using Wrenn.Host.Protocol;
using Wrenn.HostAgent.Tests.Capsules;
using Wrenn.SnapshotStore;

namespace Wrenn.HostAgent.Tests.Portable;

/// <summary>Pauses sent to a directory snapshot store, on real VMs: when they go, and when they do not.</summary>
public sealed class SnapshotUploadsTests : IAsyncLifetime
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);

    private readonly TestRuntime _host = TestRuntime.Create(Delay);
    private readonly TaskCompletionSource<(int Generation, TimeSpan At)> _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _sincePause = new();

    public Task InitializeAsync()
    {
        var store = Path.Combine(_host.DataDirectory, "store");
        Directory.CreateDirectory(store);
        _host.Runtime.Portable.Use(new DirectoryObjectStore(store), "test");
        _host.Runtime.Uploads.Stored += (_, generation, _) => _stored.TrySetResult((generation, _sincePause.Elapsed));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task APause_IsSentOnlyOnceTheCapsuleStayedPausedForTheDelay_AndNotWhenItResumedSooner()
    {
        var capsule = await _host.Runtime.CreateAsync(new CapsuleSpec("minimal"), Timeout());

        // Resumed within the delay: nothing goes to the store, even after the delay.
        await _host.Runtime.PauseAsync(capsule.Id, Timeout());
        capsule = await _host.Runtime.ResumeAsync(capsule.Id, Timeout());
        await Task.Delay(Delay * 2);
        Assert.False(_stored.Task.IsCompleted);

        // Left paused: sent, and not before the delay.
        _sincePause.Restart();
        var generation = await _host.Runtime.PauseAsync(capsule.Id, Timeout());
        var (stored, at) = await _stored.Task.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(generation, stored);
        Assert.True(at >= Delay, $"sent {at.TotalSeconds:0.0} s after the pause");
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
}
