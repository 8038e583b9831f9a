using Microsoft.Extensions.Time.Testing;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Tests.Telemetry;

public sealed class CapsuleWorkTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task OverlappingPieces_CountOnce_AndPiecesOfChildTasksCount()
    {
        var tally = CapsuleWork.Track(_time);
        var first = CapsuleWork.Measure();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var second = await Task.Run(CapsuleWork.Measure);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        first.Dispose();
        first.Dispose();
        _time.Advance(TimeSpan.FromMilliseconds(5));
        second.Dispose();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        using (CapsuleWork.Measure())
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(21), tally.Total);
        Assert.Equal(3, tally.Pieces);
    }

    [Fact]
    public async Task APieceStillOpen_CountsUpToNow_AndAnotherRequestsPiecesAreItsOwn()
    {
        var tally = CapsuleWork.Track(_time);
        var other = await Task.Run(() =>
        {
            var own = CapsuleWork.Track(_time);
            using var piece = CapsuleWork.Measure();
            _time.Advance(TimeSpan.FromMilliseconds(3));
            return own;
        });
        Assert.Equal((0, 1), (tally.Pieces, other.Pieces));

        using var open = CapsuleWork.Measure();
        _time.Advance(TimeSpan.FromMilliseconds(7));
        Assert.Equal(TimeSpan.FromMilliseconds(7), tally.Total);
    }
}
