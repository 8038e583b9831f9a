using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary><c>wrenn capsule create|list|get|rm|pause|resume</c>.</summary>
internal static class LifecycleCommands
{
    public static IEnumerable<Command> Create() => [CreateCommand(), List(), Get(), Remove(), Pause(), Resume()];

    private static Command CreateCommand()
    {
        var template = new Option<string?>("--template", "-t") { Description = "Template to create from (default minimal)" };
        var vcpus = new Option<int?>("--vcpus") { Description = "Virtual CPUs (default 1; fixed by snapshot templates)" };
        var memory = new Option<int?>("--memory") { Description = "Memory in MiB (default 512; fixed by snapshot templates)" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds idle before it is paused (default: never)" };
        var autoResume = new Option<bool>("--auto-resume") { Description = "Resume it when traffic arrives while paused" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Retry-safe create: the same key returns the same capsule" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return as soon as the server accepts it (it may still be starting)" };
        var command = new Command("create", "Create a capsule and wait until it runs") { template, vcpus, memory, timeout, autoResume, idempotencyKey, noWait };
        command.SetRun(async (run, cancellationToken) =>
        {
            var options = new CreateCapsuleOptions
            {
                Template = run.Get(template),
                Vcpus = run.Get(vcpus),
                MemoryMb = run.Get(memory),
                TimeoutSec = run.Get(timeout),
                AutoResume = run.Get(autoResume) ? true : null,
                IdempotencyKey = run.Get(idempotencyKey),
            };
            var capsule = await run.Out.SpinAsync($"Creating a capsule from {options.Template ?? "minimal"}…", async () =>
            {
                var created = await run.Client.Capsules.CreateAsync(options, cancellationToken).ConfigureAwait(false);
                return run.Get(noWait) || created.Status == CapsuleStatus.Running
                    ? created : await run.Client.Capsules.WaitForStatusAsync(created.Id, CapsuleStatus.Running, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            run.Out.Write(capsule, CliJson.Default.Capsule, CapsuleTable.Detail);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Deleted and failed capsules too" };
        var status = new Option<CapsuleStatus[]>("--status") { Description = "Only these statuses", AllowMultipleArgumentsPerToken = true };
        var command = new Command("list", "List the team's capsules, newest first") { all, status };
        command.Aliases.Add("ls");
        command.SetRun(async (run, cancellationToken) =>
        {
            var options = new CapsuleListOptions { All = run.Get(all), Statuses = run.Get(status) ?? [] };
            var capsules = await run.Client.Capsules.ListAsync(options, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
            run.Out.Write(capsules, CliJson.Default.ListCapsule, CapsuleTable.Of);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get()
    {
        var id = CapsuleArguments.Id();
        var command = new Command("get", "Show one capsule") { id };
        command.SetRun(async (run, cancellationToken) =>
        {
            var capsule = await run.Client.Capsules.GetAsync(run.Get(id), cancellationToken).ConfigureAwait(false);
            run.Out.Write(capsule, CliJson.Default.Capsule, CapsuleTable.Detail);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var ids = new Argument<CapsuleId[]>("capsules") { Description = "The capsules' ids", Arity = ArgumentArity.OneOrMore };
        ids.CustomParser = result =>
        {
            var parsed = new List<CapsuleId>();
            foreach (var token in result.Tokens)
            {
                if (!CapsuleId.TryParse(token.Value, out var capsule))
                {
                    result.AddError($"'{token.Value}' is not a capsule id (cl- and 25 letters or digits)");
                }

                parsed.Add(capsule);
            }

            return [.. parsed];
        };
        var command = new Command("rm", "Delete capsules: their VM, disk and snapshot go") { ids };
        command.Aliases.Add("delete");
        command.SetRun(async (run, cancellationToken) =>
        {
            foreach (var capsule in run.Get(ids))
            {
                await run.Client.Capsules.DeleteAsync(capsule, cancellationToken).ConfigureAwait(false);
                run.Out.Say($"Deleted {capsule}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Pause() => Transition("pause", "Pause a capsule: its memory and disk are saved, its processes continue after resume",
        "Pausing", (client, id, cancellationToken) => client.Capsules.PauseAsync(id, cancellationToken), CapsuleStatus.Paused);

    private static Command Resume() => Transition("resume", "Resume a paused capsule exactly where it was",
        "Resuming", (client, id, cancellationToken) => client.Capsules.ResumeAsync(id, cancellationToken), CapsuleStatus.Running);

    private static Command Transition(string name, string description, string doing,
        Func<WrennClient, CapsuleId, CancellationToken, Task<Capsule>> transition, CapsuleStatus target)
    {
        var id = CapsuleArguments.Id();
        var command = new Command(name, description) { id };
        command.SetRun(async (run, cancellationToken) =>
        {
            var capsule = await run.Out.SpinAsync($"{doing} {run.Get(id)}…", async () =>
            {
                var reply = await transition(run.Client, run.Get(id), cancellationToken).ConfigureAwait(false);
                return reply.Status == target ? reply : await run.Client.Capsules.WaitForStatusAsync(reply.Id, target, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            run.Out.Write(capsule, CliJson.Default.Capsule, CapsuleTable.Detail);
            return ExitCodes.Success;
        });
        return command;
    }
}
