using System.Security.Cryptography;
using Wrenn.Agent.Protocol;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Guest;

/// <summary>The fields shared by exec, streaming exec and PTY start (spec §4.8).</summary>
internal class ProcessFields
{
    public string? Cmd { get; set; }

    public List<string>? Args { get; set; }

    public Dictionary<string, string>? Envs { get; set; }

    public string? Cwd { get; set; }

    public string? Tag { get; set; }

    public string? User { get; set; }

    public int? TimeoutSec { get; set; }
}

internal sealed class ExecRequest : ProcessFields
{
    public bool? Background { get; set; }
}

/// <summary>Validation and defaults of process fields, and the generated names of spec §1.3.</summary>
internal static class ProcessRequests
{
    public static string NewTag(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static bool IsValidTag(string tag) =>
        Snapshots.TemplateCatalog.IsValidName(tag) && !tag.All(char.IsAsciiDigit);

    /// <summary>A start request for the agent; throws 400 for any field out of its rules.</summary>
    public static StartRequest ToStart(ProcessFields fields, ProcessKind kind, uint timeoutSec, string tagPrefix)
    {
        Require(!string.IsNullOrEmpty(fields.Cmd), "cmd is required");
        Require(fields.Args is null || fields.Args.All(arg => arg is not null), "args must be strings");
        Require(fields.Envs is null || fields.Envs.Values.All(value => value is not null), "env values must be strings");
        foreach (var (name, value) in new[] { ("cmd", fields.Cmd), ("cwd", fields.Cwd), ("user", fields.User) })
        {
            Require(value is null || !value.Contains('\0', StringComparison.Ordinal), $"{name} must not contain NUL");
        }

        var tag = fields.Tag ?? NewTag(tagPrefix);
        Require(IsValidTag(tag), "tag must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ and not be all digits");
        var request = new StartRequest
        {
            Cmd = fields.Cmd!,
            Args = { fields.Args ?? [] },
            Cwd = fields.Cwd ?? string.Empty,
            User = fields.User ?? string.Empty,
            Tag = tag,
            Kind = kind,
            TimeoutSec = timeoutSec,
        };
        foreach (var (key, value) in fields.Envs ?? [])
        {
            Require(IsEnvKey(key), $"env key {key} is not valid");
            Require(!value.Contains('\0', StringComparison.Ordinal), $"env value of {key} contains NUL");
            request.Envs[key] = value;
        }

        Require(request.Args.All(arg => !arg.Contains('\0', StringComparison.Ordinal)), "args must not contain NUL");
        return request;
    }

    public static bool IsEnvKey(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
