using System.Text;
using Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// Publishes one step's output to the build's live stream as it arrives, each stream decoded with
/// its own UTF-8 decoder so a character split between chunks arrives whole; up to
/// <see cref="Limit"/> bytes a step (the stored log keeps as much), then only the step's end.
/// </summary>
internal sealed class LiveOutput(BuildFeed feed, string buildId, int step)
{
    private const long Limit = 256 * 1024;

    private readonly Decoder _stdout = Encoding.UTF8.GetDecoder();
    private readonly Decoder _stderr = Encoding.UTF8.GetDecoder();
    private long _published;

    public void Publish(OutputStream stream, ReadOnlyMemory<byte> data)
    {
        if ((_published += data.Length) > Limit)
        {
            return;
        }

        var decoder = stream == OutputStream.Stderr ? _stderr : _stdout;
        var characters = new char[decoder.GetCharCount(data.Span, flush: false)];
        var count = decoder.GetChars(data.Span, characters, flush: false);
        if (count > 0)
        {
            feed.Publish(buildId, new OutputEvent(step, stream == OutputStream.Stderr ? "stderr" : "stdout", new string(characters, 0, count)));
        }
    }
}
