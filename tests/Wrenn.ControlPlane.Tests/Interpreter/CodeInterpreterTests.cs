using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Interpreter;

/// <summary>
/// The code-runner-beta platform template, driven as the hosted Wrenn Python SDK's code interpreter
/// drives it: its Jupyter Server and a warm "wrenn" kernel are already running in every new capsule.
/// </summary>
[Collection("server")]
public sealed class CodeInterpreterTests(ServerFixture fixture)
{
    // The first create builds the template snapshot: a cold boot, Jupyter, a kernel with the data stack.
    private static readonly TimeSpan FirstUse = TimeSpan.FromMinutes(10);

    private const int JupyterPort = 8888;

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task TheSdkProtocol_FindsTheWarmKernel_AndRunsCode_WithStreamsResultsImagesErrorsAndState()
    {
        // As the SDK: create without waiting, then let kernel discovery retry until Jupyter answers.
        var created = await Client.PostAsJsonAsync("/v1/capsules", new { template = "code-runner-beta" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        try
        {
            using var jupyter = new JupyterClient(fixture.Server.BaseAddress, id, fixture.Server.AdminKey);
            var kernel = await jupyter.KernelAsync(FirstUse);
            using var anonymous = fixture.Server.Anonymous();
            using (var listed = await anonymous.SendAsync(fixture.Server.Proxied(JupyterPort, id, "/api/kernels")))
            {
                var kernels = await listed.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(kernel, Assert.Single(kernels.EnumerateArray()).GetProperty("id").GetString());
            }

            var sum = await jupyter.RunCodeAsync("1+1");
            Assert.Equal("2", sum.Text);
            Assert.Null(sum.Error);

            var streams = await jupyter.RunCodeAsync("import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)");
            Assert.Equal("to stdout\n", string.Concat(streams.Stdout));
            Assert.Equal("to stderr\n", string.Concat(streams.Stderr));

            Assert.Null((await jupyter.RunCodeAsync("answer = 41")).Error);
            Assert.Equal("42", (await jupyter.RunCodeAsync("answer + 1")).Text);

            var failed = await jupyter.RunCodeAsync("1/0");
            Assert.Equal("ZeroDivisionError", failed.Error?.Name);
            Assert.Equal("division by zero", failed.Error?.Value);
            // The traceback keeps IPython's ANSI colours, as the SDK passes it on.
            Assert.Contains("ZeroDivisionError", failed.Error?.Traceback, StringComparison.Ordinal);

            var frame = await jupyter.RunCodeAsync("import pandas as pd\npd.DataFrame({'a': [1, 2]}).a.sum()");
            Assert.Equal("3", frame.Text);

            var plot = await jupyter.RunCodeAsync("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()");
            var png = Convert.FromBase64String(Assert.Single(plot.Displays)["image/png"]!.GetValue<string>());
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task ASecondKernel_KeepsItsOwnState_AndAPortNobodyListensOnIsA502()
    {
        // The template's first capsule boots it and warms Jupyter for its snapshot: minutes on a busy TCG machine.
        var id = await Client.CreateRunningAsync(new { template = "code-runner-beta" }, seconds: 300);
        try
        {
            using var first = new JupyterClient(fixture.Server.BaseAddress, id, fixture.Server.AdminKey);
            Assert.Null((await first.RunCodeAsync("shared = 'first'", FirstUse)).Error);

            // The older SDK asks for no name: the server's default kernel, a new one next to the warm one.
            using var second = new JupyterClient(fixture.Server.BaseAddress, id, fixture.Server.AdminKey, kernelName: "python3");
            Assert.NotEqual(await first.KernelAsync(), await second.KernelAsync());
            Assert.Equal("NameError", (await second.RunCodeAsync("shared", TimeSpan.FromMinutes(2))).Error?.Name);
            Assert.Equal("'first'", (await first.RunCodeAsync("shared")).Text);

            // Nothing on the port yet is a 5xx the SDK retries, never a 404 or 409 it would give up on.
            using var request = fixture.Server.Proxied(8899, id, "/api/kernels");
            using var anonymous = fixture.Server.Anonymous();
            using var reply = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }
}
