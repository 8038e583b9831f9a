using System.Text.RegularExpressions;

namespace Wrenn.ControlPlane.Management;

/// <summary>What a new account must look like, for sign-up and for <c>wrenn user add</c> alike.</summary>
internal static partial class AccountRules
{
    /// <summary>The normalized email, or the first rule broken.</summary>
    public static (string Email, string? Problem) Check(string? email, string? password, string? name)
    {
        var normalized = email?.Trim().ToLowerInvariant() ?? string.Empty;
        var problem = normalized.Length > 254 || !EmailShape().IsMatch(normalized) ? "email is not a valid address"
            : password is not { Length: >= 8 and <= 128 } ? "password must be 8 to 128 characters"
            : (name?.Trim().Length ?? 0) is < 1 or > 100 ? "name must be 1 to 100 characters"
            : null;
        return (normalized, problem);
    }

    /// <summary>bcrypt, cost 12.</summary>
    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, 12);

    [GeneratedRegex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailShape();
}
