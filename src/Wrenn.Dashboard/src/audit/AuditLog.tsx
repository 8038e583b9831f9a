import { useEffect, useRef, useState } from "preact/hooks";
import { get, messageOf } from "../api/http";
import type { AuditEntry, AuditPage } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";

// What the server records (spec §7.5, docs/builds.md); the filters match exactly.
const resourceTypes = ["capsule", "snapshot", "build", "api_key", "member", "team", "host"];
const knownActions = [
  "capsule.create", "capsule.pause", "capsule.auto_pause", "capsule.resume", "capsule.delete",
  "snapshot.create", "snapshot.delete", "build.create", "build.cancel", "build.delete",
  "api_key.create", "api_key.delete", "member.add", "member.remove", "member.role_change",
  "team.create", "team.update", "team.delete", "host.create", "host.delete", "host.up", "host.down",
];
const pageSize = 50;

interface Filters {
  resourceType: string;
  action: string;
}

/** The team's audit log, newest first, a page at a time (the cursor pages backwards in time). */
export function AuditLog() {
  const teamId = session.value!.team_id;
  const [filters, setFilters] = useState<Filters>({ resourceType: "", action: "" });
  const [draftAction, setDraftAction] = useState("");
  const log = useAuditPages(teamId, filters);

  function apply(event: Event) {
    event.preventDefault();
    setFilters({ ...filters, action: draftAction.trim() });
  }

  return (
    <section aria-labelledby="audit-title">
      <div class="title-row">
        <h1 id="audit-title">Audit log</h1>
        <button type="button" onClick={() => setFilters({ ...filters })}>Refresh</button>
      </div>
      <form class="filters" onSubmit={apply}>
        <label>
          Resource type
          <select value={filters.resourceType} onChange={(e) => setFilters({ ...filters, resourceType: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">All</option>
            {resourceTypes.map((type) => <option value={type}>{type}</option>)}
          </select>
        </label>
        <label>
          Action
          <input list="audit-actions" placeholder="e.g. capsule.create" value={draftAction} onInput={(e) => setDraftAction((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <datalist id="audit-actions">{knownActions.map((action) => <option value={action} />)}</datalist>
        <button type="submit" class="align-end">Filter</button>
      </form>
      <ErrorNote message={log.error} />
      <table class="list audit">
        <thead>
          <tr><th>Time</th><th>Actor</th><th>Action</th><th>Resource</th><th>Status</th><th>Details</th></tr>
        </thead>
        <tbody>
          {log.entries.map((entry) => (
            <tr key={entry.id} data-entry-id={entry.id}>
              <td title={fullTime(entry.created_at)}>{ago(entry.created_at)}</td>
              <td title={entry.actor_id ?? undefined}><span class="hint">{entry.actor_type.replace("_", " ")}</span> {entry.actor_name ?? ""}</td>
              <td class="mono">{entry.action}</td>
              <td><span class="hint">{entry.resource_type}</span> <span class="mono">{entry.resource_id ?? ""}</span></td>
              <td><span class={`status status-${entry.status}`}>{entry.status}</span></td>
              <td class="mono metadata">{Object.entries(entry.metadata).map(([key, value]) => `${key}=${value}`).join(" ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!log.loading && !log.error && log.entries.length === 0 && <p class="empty">No entries{filters.resourceType || filters.action ? " match" : ""}.</p>}
      {log.loading && <p class="hint" role="status">Loading…</p>}
      {log.cursor && !log.loading && <button type="button" onClick={log.more}>Load more</button>}
    </section>
  );
}

/** Entries loaded so far for `filters`; `more` appends the next page. A new filter starts over. */
function useAuditPages(teamId: string, filters: Filters) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Answers to an older filter arrive late sometimes: only the latest request's answer counts.
  const generation = useRef(0);

  async function load(from: string | null, previous: AuditEntry[]) {
    const mine = ++generation.current;
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (from) query.set("cursor", from);
    if (filters.resourceType) query.set("resource_type", filters.resourceType);
    if (filters.action) query.set("action", filters.action);
    setLoading(true);
    setError(null);
    try {
      const page = await get<AuditPage>(`/v1/audit-logs?${query}`);
      if (mine !== generation.current) return;
      setEntries([...previous, ...page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      if (mine === generation.current) setError(messageOf(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  useEffect(() => {
    setEntries([]);
    setCursor(null);
    void load(null, []);
  }, [teamId, filters]);

  return { entries, cursor, loading, error, more: () => load(cursor, entries) };
}
