using Microsoft.Extensions.FileProviders;

namespace Wrenn.ControlPlane.Dashboard;

/// <summary>The built dashboard's directory, when the operator serves one and it has been built.</summary>
internal sealed partial class DashboardFiles : IDisposable
{
    private readonly PhysicalFileProvider? _provider;

    public DashboardFiles(ControlPlaneOptions options, ILogger<DashboardFiles> logger)
    {
        if (options.DashboardDirectory is not { } directory)
        {
            return;
        }

        if (File.Exists(Path.Combine(directory, "index.html")))
        {
            _provider = new PhysicalFileProvider(Path.GetFullPath(directory));
        }
        else
        {
            LogNotBuilt(logger);
        }
    }

    /// <summary>Null when there is no dashboard to serve.</summary>
    public IFileProvider? Provider => _provider;

    public void Dispose() => _provider?.Dispose();

    [LoggerMessage(EventId = 4980, Level = LogLevel.Warning, Message = "The dashboard is not built (run `make setup`); / serves the API only")]
    private static partial void LogNotBuilt(ILogger logger);
}
