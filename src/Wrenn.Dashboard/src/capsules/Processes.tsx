import { useState } from "preact/hooks";
import { del, get } from "../api/http";
import type { ProcessInfo } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";

// Mounted only while its tab is shown, so the polling stops with it.
const refreshMs = 2000;
// The signals the kill route accepts (spec §4.9); SIGKILL, its default, replies once the process is gone.
const signals = ["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** The processes started through the API that are still running, each with a kill button. */
export function Processes({ capsuleId }: { capsuleId: string }) {
  const [signal, setSignal] = useState("SIGKILL");
  const list = usePolled(() => get<{ processes: ProcessInfo[] }>(`/v1/capsules/${capsuleId}/processes`), [capsuleId], refreshMs);
  const action = useAction();
  const processes = list.data?.processes ?? [];

  const kill = async (process: ProcessInfo) => {
    if (!confirm(`Send ${signal} to process ${process.pid} (${process.tag}) and its process group?`)) return;
    // Tags are unique among live processes and, unlike a PID, never name a later process.
    if (await action.run(() => del(`/v1/capsules/${capsuleId}/processes/${encodeURIComponent(process.tag)}?signal=${signal}`))) await list.reload();
  };

  return (
    <div>
      <div class="filters">
        <label>
          Signal
          <select value={signal} onChange={(e) => setSignal((e.currentTarget as HTMLSelectElement).value)}>
            {signals.map((name) => <option value={name}>{name}</option>)}
          </select>
        </label>
      </div>
      <ErrorNote message={action.error ?? list.error} />
      <table class="list">
        <thead>
          <tr><th>PID</th><th>Tag</th><th>Kind</th><th>Command</th><th>Started</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {processes.map((process) => (
            <tr data-pid={process.pid} data-tag={process.tag}>
              <td>{process.pid}</td>
              <td class="mono">{process.tag}</td>
              <td>{process.kind}</td>
              <td class="mono command">{[process.cmd, ...process.args].join(" ")}</td>
              <td title={fullTime(process.started_at)}>{ago(process.started_at)}</td>
              <td>
                <button type="button" class="danger" disabled={action.busy} onClick={() => void kill(process)} aria-label={`Kill process ${process.pid}`}>
                  Kill
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && processes.length === 0 && <p class="empty">No processes started through the API are running.</p>}
      <p class="hint">Only processes started through the API are listed (exec, background, streams and terminals), not their children.</p>
    </div>
  );
}
