using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>Where a template build is.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<BuildStatus>))]
public enum BuildStatus
{
    /// <summary>Queued behind other builds.</summary>
    Pending,

    /// <summary>Its capsule runs the recipe.</summary>
    Running,

    /// <summary>The template is made (finished).</summary>
    Success,

    /// <summary>A step or the healthcheck failed; no template was made (finished).</summary>
    Failed,

    /// <summary>Cancelled; no template was made (finished).</summary>
    Cancelled,
}
