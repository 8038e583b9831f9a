import { useState } from "preact/hooks";
import { send } from "../api/http";
import type { Capsule } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";
import { usePolled } from "../ui/hooks";
import { CreateCapsule } from "./CreateCapsule";
import { LifecycleButtons } from "./LifecycleButtons";
import { StatusBadge } from "./StatusBadge";

// Status changes must show within a second of happening: the list is re-read twice a second.
const refreshMs = 500;
const statusFilters = [
  { value: "", label: "Active (not stopped or failed)" },
  { value: "running", label: "Running" },
  { value: "paused", label: "Paused" },
  { value: "pending,starting", label: "Starting" },
  { value: "missing", label: "Missing" },
  { value: "error", label: "Failed" },
  { value: "stopped", label: "Stopped" },
  { value: "all", label: "All" },
];

// One page of the list (the API's largest): re-read twice a second, it must stay one request.
const pageSize = 1000;

/** The newest page of the team's capsules, and whether the API holds more (spec §4.2). */
async function loadCapsules(status: string): Promise<{ items: Capsule[]; more: boolean }> {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (status) query.set("status", status);
  const response = await send("GET", `/v1/capsules?${query}`);
  return { items: (await response.json()) as Capsule[], more: response.headers.has("X-Next-Cursor") };
}

export function CapsuleList() {
  const [status, setStatus] = useState("");
  const [search, setSearch] = useState("");
  const capsules = usePolled(() => loadCapsules(status), [status], refreshMs);
  const needle = search.trim().toLowerCase();
  const shown = (capsules.data?.items ?? []).filter((c) => !needle || c.id.includes(needle) || c.template.toLowerCase().includes(needle));

  return (
    <section aria-labelledby="capsules-title">
      <div class="title-row">
        <h1 id="capsules-title">Capsules</h1>
        <CreateCapsule created={capsules.reload} />
      </div>
      <div class="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
            {statusFilters.map((f) => <option value={f.value}>{f.label}</option>)}
          </select>
        </label>
        <label>
          Search <input type="search" placeholder="ID or template" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <ErrorNote message={capsules.error} />
      <table class="list">
        <thead>
          <tr><th>ID</th><th>Status</th><th>Template</th><th>Size</th><th>Idle timeout</th><th>Created</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {shown.map((capsule) => (
            <tr data-capsule={capsule.id}>
              <td><a href={`/capsules/${capsule.id}`} class="mono">{capsule.id}</a></td>
              <td><StatusBadge status={capsule.status} reason={capsule.status_reason} /></td>
              <td>{capsule.template}</td>
              <td>{capsule.vcpus} vCPU · {capsule.memory_mb} MiB</td>
              <td>{capsule.timeout_sec ? `${capsule.timeout_sec} s` : "never"}</td>
              <td title={fullTime(capsule.created_at)}>{ago(capsule.created_at)}</td>
              <td><LifecycleButtons capsule={capsule} changed={capsules.reload} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {capsules.data?.more && <p class="hint">Showing the newest {pageSize} capsules; filter by status to see others.</p>}
      {capsules.data && shown.length === 0 && <p class="empty">No capsules{needle || status ? " match" : " yet"}.</p>}
    </section>
  );
}
