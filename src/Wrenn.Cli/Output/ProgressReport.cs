namespace Wrenn.Cli;

/// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>): a progress bar reads the value when it redraws.</summary>
internal sealed class ProgressReport(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
