using System.Diagnostics;

namespace Wrenn.HostAgent.Vmm;

/// <summary>Runs a host tool (qemu-img, a VMM launcher) to completion with an argument list, never a shell.</summary>
internal static class HostCommand
{
    /// <summary>Runs and returns stdout; a non-zero exit becomes <see cref="VmmException"/> carrying stderr for the logs.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new VmmException($"{program} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new VmmException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()}");
        }

        return await stdout.ConfigureAwait(false);
    }
}
