using Wrenn.Linux.FileSystem;

namespace Wrenn.GuestAgent.Accounts;

/// <summary>
/// Reads users and groups straight from /etc/passwd and /etc/group. The agent is linked without
/// NSS (no getpwnam), and the guest's own tools may change these files at any time, so every
/// lookup checks them (one stat each) and reads them again when they changed: an exec looks a user
/// up, and reading and splitting both files each time cost more than the stat under emulation.
/// </summary>
internal sealed class UserDatabase(TimeProvider clock, string passwdPath = "/etc/passwd", string groupPath = "/etc/group")
{
    private readonly RecordFile _passwd = new(passwdPath, clock);
    private readonly RecordFile _group = new(groupPath, clock);

    public GuestUser? FindUser(string name)
    {
        foreach (var fields in _passwd.Records())
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
    public string UserName(long uid) => NameOf(_passwd, uid);

    /// <summary>The group's name, or the numeric id as text when the id has no name.</summary>
    public string GroupName(long gid) => NameOf(_group, gid);

    private List<int> SupplementaryGroupsOf(string user, int primaryGid)
    {
        var gids = new List<int>();
        foreach (var fields in _group.Records())
        {
            if (fields.Length >= 4 && int.TryParse(fields[2], out var gid) && gid != primaryGid
                && fields[3].Split(',').Contains(user, StringComparer.Ordinal))
            {
                gids.Add(gid);
            }
        }

        return gids;
    }

    private static string NameOf(RecordFile file, long id)
    {
        var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fields in file.Records())
        {
            if (fields.Length >= 3 && fields[2] == text)
            {
                return fields[0];
            }
        }

        return text;
    }

    /// <summary>A colon-separated file's records, parsed again only when the file changed.</summary>
    private sealed class RecordFile(string path, TimeProvider clock)
    {
        // The kernel stamps changes with a coarse clock (a tick of a few ms): a file changed in the
        // same tick as the version read could keep its stamp and size. Like git's "racy clean"
        // check, a version younger than this is read again next time rather than trusted.
        private static readonly TimeSpan Settled = TimeSpan.FromSeconds(1);

        private Parsed _cached = new(null, []);

        public string[][] Records()
        {
            var version = FileStat.Version(path);
            var cached = Volatile.Read(ref _cached);
            if (version is not null && version == cached.Version)
            {
                return cached.Records;
            }

            // Read after the stat: a change in between is seen by the next lookup's stat.
            var records = Parse();
            var settled = version is { } seen && clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seen.ChangedSeconds) > Settled;
            Volatile.Write(ref _cached, new Parsed(settled ? version : null, records));
            return records;
        }

        private string[][] Parse()
        {
            try
            {
                return [.. File.ReadAllLines(path).Where(line => line.Length > 0 && line[0] != '#').Select(line => line.Split(':'))];
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }

        private sealed record Parsed(FileVersion? Version, string[][] Records);
    }
}
