using System.CommandLine;
using System.Formats.Tar;
using Spectre.Console;
using Wrenn.Client;

namespace Wrenn.Cli.Templates;

/// <summary>
/// <c>wrenn template build NAME --recipe FILE</c>: submits a recipe build (with a directory as its
/// build context, sent as a tar archive) and streams its log live until it ends.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The template to build (replaces the team's template of that name)" };
        var recipe = new Option<FileInfo>("--recipe", "-f") { Description = "The recipe file, one instruction per line", Required = true };
        var baseTemplate = new Option<string?>("--base") { Description = "Template to start from (default minimal)" };
        var context = new Option<DirectoryInfo?>("--context") { Description = "Directory sent with the build, for COPY instructions" };
        var healthcheck = new Option<string?>("--healthcheck") { Description = "Command that must succeed before the template is saved" };
        var vcpus = new Option<int?>("--vcpus") { Description = "Virtual CPUs of the build capsule and template" };
        var memory = new Option<int?>("--memory") { Description = "Memory in MiB of the build capsule and template" };
        var command = new Command("build", "Build a template from a recipe, streaming its log") { name, recipe, baseTemplate, context, healthcheck, vcpus, memory };
        command.SetRun(async (run, cancellationToken) =>
        {
            var options = new CreateBuildOptions
            {
                Name = run.Get(name),
                Recipe = [.. (await File.ReadAllLinesAsync(run.Get(recipe).FullName, cancellationToken).ConfigureAwait(false)).Where(line => line.Trim().Length > 0)],
                BaseTemplate = run.Get(baseTemplate),
                Healthcheck = run.Get(healthcheck),
                Vcpus = run.Get(vcpus),
                MemoryMb = run.Get(memory),
            };
            var build = await SubmitAsync(run, options, run.Get(context), cancellationToken).ConfigureAwait(false);
            run.Out.Say($"Build [bold]{build.Id}[/] of {Markup.Escape(build.Name)} submitted");
            if (!run.Out.Json)
            {
                await FollowAsync(run, build.Id, cancellationToken).ConfigureAwait(false);
            }

            var finished = await run.Client.Builds.WaitForCompletionAsync(build.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (run.Out.Json)
            {
                Terminal.WriteJson(finished with { Logs = null }, CliJson.Default.Build);
            }
            else
            {
                run.Out.Say(finished.Status == BuildStatus.Success
                    ? $"[green]Built template {Markup.Escape(finished.Template ?? finished.Name)}[/]"
                    : $"[red]Build {WrennEnums.NameOf(finished.Status)}[/]{(finished.Error is { } error ? ": " + Markup.Escape(error) : string.Empty)}");
            }

            return finished.Status == BuildStatus.Success ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static async Task<Build> SubmitAsync(Invocation run, CreateBuildOptions options, DirectoryInfo? context, CancellationToken cancellationToken)
    {
        if (context is null)
        {
            return await run.Client.Builds.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        }

        // A temporary tar of the context (deleted on close): the archive streams from disk, not memory.
        await using var archive = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        await TarFile.CreateFromDirectoryAsync(context.FullName, archive, includeBaseDirectory: false, cancellationToken).ConfigureAwait(false);
        archive.Position = 0;
        return await run.Client.Builds.CreateAsync(options, archive, cancellationToken).ConfigureAwait(false);
    }

    private static async Task FollowAsync(Invocation run, BuildId build, CancellationToken cancellationToken)
    {
        await using var stdout = Console.OpenStandardOutput();
        await foreach (var message in run.Client.Streams.FollowBuildLogsAsync(build, cancellationToken).ConfigureAwait(false))
        {
            switch (message)
            {
                case BuildStepOutput output:
                    await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(output.Text), cancellationToken).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case BuildStepEnded step:
                    run.Out.Say($"{(step.Ok ? "[green]✓[/]" : "[red]✗[/]")} step {step.Step} [grey]({System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(step.Phase.ToString())}, {step.Elapsed.TotalSeconds:0.0} s)[/] {Markup.Escape(step.Cmd)}");
                    break;
                case BuildStatusChanged status when status.IsFinished:
                    return;
            }
        }
    }
}
