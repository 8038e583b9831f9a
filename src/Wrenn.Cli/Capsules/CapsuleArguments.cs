using System.CommandLine;
using Wrenn.Client;

namespace Wrenn.Cli.Capsules;

/// <summary>Arguments the capsule commands share.</summary>
internal static class CapsuleArguments
{
    /// <summary>A capsule id argument, checked before anything is sent.</summary>
    public static Argument<CapsuleId> Id() => new("capsule")
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
