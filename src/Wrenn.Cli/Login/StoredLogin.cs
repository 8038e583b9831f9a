using System.Text.Json;

namespace Wrenn.Cli.Login;

/// <summary>What <c>wrenn login</c> saved: the server and the credential for it.</summary>
internal sealed record StoredLogin(
    string BaseUrl,
    string? ApiKey,
    string? AccessToken,
    DateTimeOffset? AccessTokenExpiresAt,
    string? Email)
{
    /// <summary>
    /// The file: <c>$XDG_CONFIG_HOME/wrenn/login.json</c> (default <c>~/.config</c>), owner-only
    /// (0600) in an owner-only directory, because it holds a key that acts for the whole team.
    /// </summary>
    public static string FilePath
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return Path.Combine(config, "wrenn", "login.json");
        }
    }

    public static StoredLogin? Load()
    {
        try
        {
            using var file = File.OpenRead(FilePath);
            return JsonSerializer.Deserialize(file, CliJson.Default.StoredLogin);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            throw new CliException($"{FilePath} is damaged: run `wrenn login` again", ExitCodes.Auth);
        }
    }

    /// <summary>Saves atomically: a temporary owner-only file renamed over the old one.</summary>
    public void Save()
    {
        var path = FilePath;
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            using (var file = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(file, this, CliJson.Default.StoredLogin);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            // A failed save leaves the old login, and no half-written copy of a secret.
            File.Delete(temporary);
        }
    }

    public static bool Remove()
    {
        var existed = File.Exists(FilePath);
        File.Delete(FilePath);
        return existed;
    }
}
