namespace Wrenn.Recipes;

/// <summary>Where a build step comes from: the fixed steps around a recipe, or the recipe itself.</summary>
public enum BuildPhase
{
    /// <summary>Before the recipe: refresh the package lists, switch to the build user (docs/builds.md).</summary>
    PreBuild,
    Recipe,
    /// <summary>After the recipe: drop package caches and the uploaded files.</summary>
    PostBuild,
}

/// <summary>
/// The outcome of one step, kept as the build's log: <c>Step</c> is 1-based and counted across the
/// phases, <c>Cmd</c> the line as written, <c>Exit</c> -1 when the command never ran or was killed
/// at its timeout.
/// </summary>
public sealed record StepLog(int Step, BuildPhase Phase, string Cmd, string Stdout, string Stderr, int Exit, bool Ok, long ElapsedMs);
