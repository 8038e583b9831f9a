using Wrenn.Recipes;

namespace Wrenn.ControlPlane.Builds;

/// <summary>
/// The steps around every recipe unless a build skips them (<c>skip_pre_post</c>), as in the
/// reference Wrenn, so its recipes find what they expect: fresh package lists, a sudo-capable
/// <c>wrenn-user</c> in its home directory; and afterwards no package caches or uploaded files.
/// </summary>
internal static class BuildPhases
{
    public static readonly IReadOnlyList<RecipeStep> Before = Recipe.Parse(["RUN apt update", "USER wrenn-user", "WORKDIR /home/wrenn-user"]);

    public static readonly IReadOnlyList<RecipeStep> After = Recipe.Parse(
        ["RUN apt clean", "RUN apt autoremove -y", "RUN rm -rf /var/lib/apt/lists/*", $"RUN rm -rf {RecipeRunner.ArchiveDirectory} {RecipeRunner.ArchiveDirectory}.*"]);

    public static int FixedStepCount => Before.Count + After.Count;

    /// <summary>A build's steps in order, each with its phase and RUN's default timeout there.</summary>
    public static IEnumerable<(RecipeStep Step, BuildPhase Phase, TimeSpan RunTimeout)> Of(IReadOnlyList<RecipeStep> recipe, bool skipPrePost)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var before = skipPrePost ? [] : Before.Select(step => (step, BuildPhase.PreBuild, RecipeRunner.PhaseRunTimeout));
        var after = skipPrePost ? [] : After.Select(step => (step, BuildPhase.PostBuild, RecipeRunner.PhaseRunTimeout));
        return before.Concat(recipe.Select(step => (step, BuildPhase.Recipe, RecipeRunner.RecipeRunTimeout))).Concat(after);
    }

    /// <summary>The phase as stored and sent: pre-build, recipe, post-build.</summary>
    public static string Name(BuildPhase phase) => phase switch
    {
        BuildPhase.PreBuild => "pre-build",
        BuildPhase.PostBuild => "post-build",
        _ => "recipe",
    };
}
