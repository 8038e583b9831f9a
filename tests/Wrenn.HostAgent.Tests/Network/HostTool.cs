using System.Diagnostics;

namespace Wrenn.HostAgent.Tests.Network;

/// <summary>Runs a host tool (ip, nft) for a test's own setup; also linked into the control plane's tests.</summary>
internal static class HostTool
{
    /// <summary>Its standard output; a non-zero exit is an <see cref="InvalidOperationException"/> with its standard error.</summary>
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {await error}");
    }
}
