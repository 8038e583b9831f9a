using System.CommandLine;
using Wrenn.Cli.Completion;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>Arguments the capsule commands share.</summary>
internal static class CapsuleArguments
{
    /// <summary>A capsule id argument, checked before anything is sent; completion offers the team's capsules.</summary>
    public static Argument<CapsuleId> Id()
    {
        var argument = Parsed();
        argument.CompletionSources.Add(_ => CapsuleCompletions.Ids());
        return argument;
    }

    private static Argument<CapsuleId> Parsed() => new("capsule")
    {
        Description = "The capsule's id (cl-…)",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (CapsuleId.TryParse(text, out var id))
            {
                return id;
            }

            result.AddError($"'{text}' is not a capsule id (cl- and 25 letters or digits)");
            return default;
        },
    };
}
