import { get, post } from "../api/http";
import type { Team } from "../api/types";
import { endReason, session, type Session } from "../session/session";

export const switchTeam = (teamId: string) => post<Session>("/v1/auth/switch-team", { team_id: teamId });

/**
 * Leaves or deletes the session's team and moves the session to another of the user's teams.
 * A session token works only while its team has the user (spec §2.1), so the next team's session
 * is taken first, with the old token, and started only once `operation` has succeeded: a refusal
 * leaves everything as it was.
 */
export async function exitTeam(teamId: string, operation: () => Promise<unknown>): Promise<void> {
  const other = (await get<Team[]>("/v1/teams")).find((team) => team.id !== teamId);
  const next = other ? await switchTeam(other.id) : null;
  await operation();
  if (next) session.start(next);
  else {
    endReason.value = "You belong to no team any more; ask a team's owner or admin to add you.";
    session.end();
  }
}
