namespace Wrenn.GuestAgent;

/// <summary>
/// The agent's logging: one line per entry on stderr (the guest console, which the host keeps),
/// warnings and above, plus host sessions starting and ending (a line per resume, for operators).
/// Hand-made rather than Microsoft.Extensions.Logging's console provider, whose setup (a service
/// container, options, a writer thread) took over half of the agent's start — 1.7 MB allocated and
/// 5–7 ms natively, several times that in an emulated cold boot.
/// </summary>
internal sealed class ConsoleLoggers : ILoggerFactory
{
    private const string SessionCategory = "Wrenn.GuestAgent.Transport";

    public ILogger CreateLogger(string categoryName) =>
        new LineLogger(categoryName, categoryName.StartsWith(SessionCategory, StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the agent logs to its console only");

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{Label(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            // One write per entry: Console.Error is synchronized, so lines never interleave.
            Console.Error.WriteLine(exception is null ? line : line + Environment.NewLine + exception);
        }

        private static string Label(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
