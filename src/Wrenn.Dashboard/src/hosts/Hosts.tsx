import { useState } from "preact/hooks";
import { get } from "../api/http";
import type { Host, HostToken } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, bytes, fullTime } from "../ui/format";
import { usePolled } from "../ui/hooks";
import { AddHostDialog, TokenDialog } from "./HostDialogs";
import { HostActions } from "./HostActions";

// Heartbeats come every 10 s and a host is unreachable after 30 s of silence: 5 s shows both soon enough.
const refreshMs = 5000;

/** Hosts (spec §7.4), for platform admins (and owners or admins of teams with their own hosts). */
export function Hosts() {
  const me = session.value!;
  const hosts = usePolled(() => get<Host[]>("/v1/hosts"), [me.token], refreshMs);
  const [issued, setIssued] = useState<HostToken | null>(null);
  const changed = () => void hosts.reload();
  const tokenIssued = (token: HostToken) => {
    setIssued(token);
    changed();
  };

  return (
    <section aria-labelledby="hosts-title">
      <div class="title-row">
        <h1 id="hosts-title">Hosts</h1>
        <AddHostDialog issued={tokenIssued} />
      </div>
      <ErrorNote message={hosts.error} />
      <table class="list">
        <thead>
          <tr>
            <th>ID</th><th>Status</th><th>Type</th><th>Address</th><th>Arch</th><th>Cores</th><th>Memory</th><th>Disk</th><th>Last heartbeat</th>
            <th><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(hosts.data ?? []).map((host) => (
            <tr key={host.id} data-host-id={host.id}>
              <td class="mono">{host.id}</td>
              <td><span class={`status status-${host.status}`} data-status={host.status}>{host.status}</span></td>
              <td title={[host.provider, host.availability_zone].filter(Boolean).join(" · ") || undefined}>
                {host.type}{host.team_id && <span class="hint mono"> {host.team_id}</span>}
              </td>
              <td class="mono">{host.address ?? "—"}</td>
              <td>{host.arch ?? "—"}</td>
              <td>{host.cpu_cores ?? "—"}</td>
              <td class="nowrap">{host.memory_mb === null ? "—" : bytes(host.memory_mb * 1024 * 1024)}</td>
              <td class="nowrap">{host.disk_gb === null ? "—" : `${host.disk_gb} GB`}</td>
              <td class="nowrap" title={fullTime(host.last_heartbeat_at)}>{host.last_heartbeat_at ? ago(host.last_heartbeat_at) : "never"}</td>
              <td><HostActions host={host} changed={changed} issued={tokenIssued} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {hosts.data?.length === 0 && <p class="empty">No hosts.</p>}
      <TokenDialog token={issued} close={() => setIssued(null)} />
    </section>
  );
}
