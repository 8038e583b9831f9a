using Wrenn.Agent.Protocol;

namespace Wrenn.HostAgent.Tests.Capsules;

public sealed class PythonCapsuleTests(PythonCapsule booted) : IClassFixture<PythonCapsule>
{
    [Fact]
    public async Task Python3_AndPip_AreInstalled()
    {
        var python = await booted.Capsule.Agent.Services.RunAsync("python3", "--version");
        var pip = await booted.Capsule.Agent.Services.RunAsync("python3", "-m", "pip", "--version");

        Assert.Equal(0, python.ExitCode);
        Assert.StartsWith("Python 3.11", python.StdoutText, StringComparison.Ordinal);
        Assert.Equal(0, pip.ExitCode);
    }

    [Fact]
    public async Task Python_RunsCode()
    {
        var result = await booted.Capsule.Agent.Services.RunAsync("python", "-c", "import sys, json; print(json.dumps({'v': sys.version_info[0]}))");

        Assert.Equal("{\"v\": 3}\n", result.StdoutText);
    }
}
