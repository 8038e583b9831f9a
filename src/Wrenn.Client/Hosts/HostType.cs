using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>Who a host belongs to.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<HostType>))]
public enum HostType
{
    /// <summary>The platform's: any team's capsules may go on it.</summary>
    Regular,

    /// <summary>One team's own machine (bring your own compute).</summary>
    Byoc,
}
