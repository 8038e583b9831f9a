import { useState } from "preact/hooks";
import { ApiError, del, post } from "../api/http";
import type { Host, HostToken } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { useAction } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

/** A host's actions: a new registration token while pending, drain or undrain, delete. */
export function HostActions({ host, changed, issued }: { host: Host; changed: () => void; issued: (token: HostToken) => void }) {
  const action = useAction();
  // The server's refusal to delete a host with capsules, which a forced delete overrides.
  const [blocked, setBlocked] = useState<string | null>(null);
  const [draining, setDraining] = useState(false);

  async function newToken() {
    let reply: HostToken | undefined;
    if (await action.run(async () => (reply = await post<HostToken>(`/v1/hosts/${host.id}/token`)))) issued(reply!);
  }
  async function undrain() {
    if (await action.run(() => post<Host>(`/v1/hosts/${host.id}/undrain`))) changed();
  }
  async function remove(force: boolean) {
    const question = force
      ? `Force-delete host ${host.id}? Its capsules become stopped, and their memory and disks are lost.`
      : `Delete host ${host.id}?`;
    if (!confirm(question)) return;
    setBlocked(null);
    const ok = await action.run(async () => {
      try {
        await del(`/v1/hosts/${host.id}${force ? "?force=true" : ""}`);
      } catch (e) {
        if (!force && e instanceof ApiError && e.code === "host_has_capsules") {
          setBlocked(e.message);
          return;
        }
        throw e;
      }
      changed();
    });
    if (!ok) changed();
  }

  return (
    <span class="actions">
      {host.status === "pending" && <button type="button" disabled={action.busy} onClick={newToken}>New token</button>}
      {host.status === "online" && <button type="button" disabled={action.busy} onClick={() => setDraining(true)}>Drain…</button>}
      {host.status === "draining" && <button type="button" disabled={action.busy} onClick={undrain}>Undrain</button>}
      <button type="button" class="danger" disabled={action.busy} onClick={() => remove(false)} aria-label={`Delete ${host.id}`}>Delete</button>
      {blocked && (
        <span class="blocked" role="alert">
          {blocked}
          <button type="button" class="danger" disabled={action.busy} onClick={() => remove(true)}>Force delete</button>
        </span>
      )}
      <ErrorNote message={action.error} />
      <DrainDialog host={host} open={draining} close={() => setDraining(false)} drained={changed} />
    </span>
  );
}

function DrainDialog({ host, open, close, drained }: { host: Host; open: boolean; close: () => void; drained: () => void }) {
  const [pause, setPause] = useState(false);
  const action = useAction();
  async function submit(event: Event) {
    event.preventDefault();
    if (await action.run(() => post<Host>(`/v1/hosts/${host.id}/drain`, { pause_running: pause }))) {
      close();
      drained();
    }
  }
  return (
    <Dialog title={`Drain ${host.id}`} open={open} onClose={close}>
      <form onSubmit={submit}>
        <p>A draining host gets no new capsules; the ones there keep running unless paused.</p>
        <ErrorNote message={action.error} />
        <label class="check">
          <input type="checkbox" checked={pause} onChange={(e) => setPause((e.currentTarget as HTMLInputElement).checked)} />
          Pause its running capsules
        </label>
        <FormButtons label="Drain" busyLabel="Draining…" busy={action.busy} onCancel={close} />
      </form>
    </Dialog>
  );
}
