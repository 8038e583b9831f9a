import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { get } from "../api/http";
import { switchTeam } from "../team/switch";
import type { Team } from "../api/types";
import { session, type Session } from "../session/session";
import { useAction, usePolled } from "../ui/hooks";
import { ErrorNote } from "../ui/ErrorNote";

const sections = [
  { path: "/capsules", label: "Capsules" },
  { path: "/templates", label: "Templates" },
  { path: "/keys", label: "API keys" },
  { path: "/team", label: "Team" },
  { path: "/audit", label: "Audit log" },
];

/** The frame of every signed-in page: navigation, the team switcher and sign-out. */
export function Layout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const current = session.value!;
  const links = current.is_admin ? [...sections, { path: "/hosts", label: "Hosts" }] : sections;
  return (
    <div class="frame">
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <a class="brand" href="/capsules">Wrenn</a>
        <nav aria-label="Sections">
          {links.map((link) => (
            <a href={link.path} aria-current={(path === "/" ? "/capsules" : path).startsWith(link.path) ? "page" : undefined}>{link.label}</a>
          ))}
        </nav>
        <TeamSwitcher current={current} />
        <span class="who" title={current.email}>{current.name}</span>
        <button type="button" onClick={() => session.end()}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}

function TeamSwitcher({ current }: { current: Session }) {
  const teams = usePolled(() => get<Team[]>("/v1/teams"), [current.token]);
  const action = useAction();
  async function pick(select: HTMLSelectElement) {
    const switched = await action.run(async () => session.start(await switchTeam(select.value)));
    // Refused: the picker goes back to the team the session is still in.
    if (!switched) select.value = current.team_id;
  }
  return (
    <>
      <label class="team">
        <span class="visually-hidden">Team</span>
        <select value={current.team_id} disabled={action.busy} onChange={(e) => pick(e.currentTarget as HTMLSelectElement)}>
          {(teams.data ?? []).map((team) => (
            <option value={team.id}>{team.name}</option>
          ))}
        </select>
      </label>
      <ErrorNote message={action.error} />
    </>
  );
}
