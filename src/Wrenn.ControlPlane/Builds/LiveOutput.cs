using System.Text;
using Wrenn.Agent.Protocol;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// Publishes one step's output to the build's live stream as it arrives, each stream decoded with
/// its own UTF-8 decoder so a character split between chunks arrives whole.
/// </summary>
internal sealed class LiveOutput(BuildFeed feed, string buildId, int step)
{
    private readonly Decoder _stdout = Encoding.UTF8.GetDecoder();
    private readonly Decoder _stderr = Encoding.UTF8.GetDecoder();

    public void Publish(OutputStream stream, ReadOnlyMemory<byte> data)
    {
        var decoder = stream == OutputStream.Stderr ? _stderr : _stdout;
        var characters = new char[decoder.GetCharCount(data.Span, flush: false)];
        var count = decoder.GetChars(data.Span, characters, flush: false);
        if (count > 0)
        {
            feed.Publish(buildId, new OutputEvent(step, stream == OutputStream.Stderr ? "stderr" : "stdout", new string(characters, 0, count)));
        }
    }
}
