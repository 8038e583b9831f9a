namespace Wrenn.Client;

/// <summary>Which audit entries to read; every member is optional.</summary>
public sealed class AuditLogQuery
{
    /// <summary>Only entries about this kind of resource, e.g. <c>capsule</c>.</summary>
    public string? ResourceType { get; init; }

    /// <summary>Only this action, e.g. <c>capsule.create</c>.</summary>
    public string? Action { get; init; }

    /// <summary>Entries per page (1–200; default 50).</summary>
    public int PageSize { get; init; } = 50;
}
