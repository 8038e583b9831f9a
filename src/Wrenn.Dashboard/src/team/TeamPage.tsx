import { useState } from "preact/hooks";
import { get, patch, post } from "../api/http";
import type { Team, TeamDetail } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";
import { Members } from "./Members";
import { exitTeam } from "./switch";
import { DeleteTeamDialog, NewTeamDialog } from "./TeamDialogs";

/**
 * The session's team (spec §7.2). Actions follow the caller's role as the team read reports it
 * (fresher than the session's); the server still decides, and its refusals are shown.
 */
export function TeamPage() {
  const teamId = session.value!.team_id;
  const detail = usePolled(() => get<TeamDetail>(`/v1/teams/${teamId}`), [teamId]);
  const team = detail.data?.team;
  return (
    <section aria-labelledby="team-title">
      <div class="title-row">
        <h1 id="team-title">{team?.name ?? "Team"}</h1>
        <NewTeamDialog />
      </div>
      <ErrorNote message={detail.error} />
      {team && detail.data && (
        <>
          <dl class="facts">
            <dt>Your role</dt><dd>{team.role}</dd>
            <dt>Slug</dt><dd class="mono">{team.slug}</dd>
            <dt>ID</dt><dd class="mono">{team.id}</dd>
            <dt>Created</dt><dd>{fullTime(team.created_at)}</dd>
          </dl>
          {team.role !== "member" && <RenameTeam team={team} renamed={detail.reload} />}
          <Members team={team} members={detail.data.members} changed={detail.reload} />
          <h2>Leave or delete</h2>
          <div class="actions">
            {team.role === "owner" ? <DeleteTeamDialog team={team} /> : <LeaveTeam team={team} />}
          </div>
        </>
      )}
    </section>
  );
}

function RenameTeam({ team, renamed }: { team: Team; renamed: () => void }) {
  const [name, setName] = useState(team.name);
  const action = useAction();
  async function submit(event: Event) {
    event.preventDefault();
    if (await action.run(() => patch<Team>(`/v1/teams/${team.id}`, { name: name.trim() }))) renamed();
  }
  return (
    <form class="inline-form" onSubmit={submit}>
      <label>
        Team name
        <input required maxLength={128} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={action.busy || name.trim() === team.name}>{action.busy ? "Saving…" : "Rename"}</button>
      <ErrorNote message={action.error} />
    </form>
  );
}

function LeaveTeam({ team }: { team: Team }) {
  const action = useAction();
  async function leave() {
    if (!confirm(`Leave ${team.name}? You lose access to its capsules, templates and keys until someone adds you again.`)) return;
    await action.run(() => exitTeam(team.id, () => post(`/v1/teams/${team.id}/leave`)));
  }
  return (
    <>
      <button type="button" class="danger" disabled={action.busy} onClick={leave}>Leave team</button>
      <ErrorNote message={action.error} />
    </>
  );
}
