import { useState } from "preact/hooks";
import { del, patch, post } from "../api/http";
import type { Member, Team } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";
import { useAction } from "../ui/hooks";

/** The member table and the add form; owners and admins manage everyone but the owner (spec §7.2). */
export function Members({ team, members, changed }: { team: Team; members: Member[]; changed: () => void }) {
  const manages = team.role === "owner" || team.role === "admin";
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <table class="list">
        <thead>
          <tr><th>Email</th><th>Name</th><th>Role</th><th>Joined</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {members.map((member) => <MemberRow key={member.user_id} teamId={team.id} member={member} manages={manages} changed={changed} />)}
        </tbody>
      </table>
      {manages && <AddMember teamId={team.id} added={changed} />}
    </section>
  );
}

function MemberRow({ teamId, member, manages, changed }: { teamId: string; member: Member; manages: boolean; changed: () => void }) {
  const action = useAction();
  const isMe = member.user_id === session.value?.user_id;
  const editable = manages && member.role !== "owner";
  const path = `/v1/teams/${teamId}/members/${member.user_id}`;

  async function changeRole(role: string) {
    if (await action.run(() => patch<Member>(path, { role }))) changed();
  }
  async function remove() {
    if (!confirm(`Remove ${member.email} from the team? Their sessions for it stop working at once.`)) return;
    if (await action.run(() => del(path))) changed();
  }

  return (
    <tr data-user-id={member.user_id}>
      <td>{member.email}{isMe && <span class="hint"> (you)</span>}</td>
      <td>{member.name}</td>
      <td>
        {editable ? (
          <select aria-label={`Role of ${member.email}`} value={member.role} disabled={action.busy}
            onChange={(e) => changeRole((e.currentTarget as HTMLSelectElement).value)}>
            <option value="admin">admin</option>
            <option value="member">member</option>
          </select>
        ) : member.role}
      </td>
      <td title={fullTime(member.joined_at)}>{ago(member.joined_at)}</td>
      <td>
        <span class="actions">
          {/* One's own membership ends with "Leave team", which also moves the session elsewhere. */}
          {editable && !isMe && <button type="button" class="danger" disabled={action.busy} onClick={remove} aria-label={`Remove ${member.email}`}>Remove</button>}
          <ErrorNote message={action.error} />
        </span>
      </td>
    </tr>
  );
}

function AddMember({ teamId, added }: { teamId: string; added: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const action = useAction();
  async function submit(event: Event) {
    event.preventDefault();
    if (await action.run(() => post<Member>(`/v1/teams/${teamId}/members`, { email: email.trim(), role }))) {
      setEmail("");
      added();
    }
  }
  return (
    <form class="inline-form" onSubmit={submit} aria-labelledby="add-member-title">
      <h3 id="add-member-title">Add a member</h3>
      <label>
        Email of a registered user
        <input type="email" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value)}>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <button type="submit" class="primary" disabled={action.busy}>{action.busy ? "Adding…" : "Add"}</button>
      <ErrorNote message={action.error} />
    </form>
  );
}
