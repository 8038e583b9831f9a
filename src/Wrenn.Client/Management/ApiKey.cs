using System.Text;

namespace Wrenn.Client;

/// <summary>An API key of the team (its secret is shown only when created: <see cref="CreatedApiKey"/>).</summary>
/// <param name="Id">Its id.</param>
/// <param name="TeamId">Its team.</param>
/// <param name="Name">Its name.</param>
/// <param name="KeyPrefix">The key's first 12 characters, to recognise it.</param>
/// <param name="CreatedBy">The user who created it (none for the first-start key).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">When it was last used (to the minute).</param>
public record ApiKey(ApiKeyId Id, TeamId TeamId, string Name, string KeyPrefix, UserId? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A new API key with its secret, which cannot be read again.</summary>
/// <param name="Id">Its id.</param>
/// <param name="TeamId">Its team.</param>
/// <param name="Name">Its name.</param>
/// <param name="KeyPrefix">The key's first 12 characters.</param>
/// <param name="CreatedBy">The user who created it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="LastUsedAt">Null: never used yet.</param>
/// <param name="Key">The key (<c>wrn_…</c>), the <see cref="WrennClientOptions.ApiKey"/> of a client.</param>
public sealed record CreatedApiKey(
    ApiKeyId Id, TeamId TeamId, string Name, string KeyPrefix, UserId? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string Key)
    : ApiKey(Id, TeamId, Name, KeyPrefix, CreatedBy, CreatedAt, LastUsedAt)
{
    /// <summary>Prints the members but the key itself: records print every member, and logs must not get a secret.</summary>
    protected override bool PrintMembers(StringBuilder builder)
    {
        base.PrintMembers(builder);
        builder.Append(", Key = (hidden)");
        return true;
    }
}

/// <summary>The JSON body of a key create.</summary>
internal sealed record ApiKeyBody(string? Name);
