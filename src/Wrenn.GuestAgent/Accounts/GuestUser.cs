namespace Wrenn.GuestAgent.Accounts;

/// <summary>A user of the guest, as /etc/passwd and /etc/group describe it.</summary>
internal sealed record GuestUser(string Name, int Uid, int Gid, string Home, string Shell, IReadOnlyList<int> SupplementaryGids);
