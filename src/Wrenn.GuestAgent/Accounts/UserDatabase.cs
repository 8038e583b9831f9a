namespace Wrenn.GuestAgent.Accounts;

/// <summary>
/// Reads users and groups straight from /etc/passwd and /etc/group. The agent is linked without
/// NSS (no getpwnam), and the guest's own tools may change these files at any time, so every
/// lookup reads them afresh; they are small.
/// </summary>
internal sealed class UserDatabase(string passwdPath = "/etc/passwd", string groupPath = "/etc/group")
{
    public GuestUser? FindUser(string name)
    {
        foreach (var fields in Records(passwdPath))
        {
            if (fields.Length >= 7 && fields[0] == name
                && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid))
            {
                return new GuestUser(name, uid, gid, fields[5], fields[6], SupplementaryGroupsOf(name, gid));
            }
        }

        return null;
    }

    /// <summary>The user's name, or the numeric id as text when the id has no name.</summary>
    public string UserName(long uid) => NameOf(passwdPath, uid);

    /// <summary>The group's name, or the numeric id as text when the id has no name.</summary>
    public string GroupName(long gid) => NameOf(groupPath, gid);

    private List<int> SupplementaryGroupsOf(string user, int primaryGid)
    {
        var gids = new List<int>();
        foreach (var fields in Records(groupPath))
        {
            if (fields.Length >= 4 && int.TryParse(fields[2], out var gid) && gid != primaryGid
                && fields[3].Split(',').Contains(user, StringComparer.Ordinal))
            {
                gids.Add(gid);
            }
        }

        return gids;
    }

    private static string NameOf(string path, long id)
    {
        var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fields in Records(path))
        {
            if (fields.Length >= 3 && fields[2] == text)
            {
                return fields[0];
            }
        }

        return text;
    }

    private static IEnumerable<string[]> Records(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var line in lines)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                yield return line.Split(':');
            }
        }
    }
}
