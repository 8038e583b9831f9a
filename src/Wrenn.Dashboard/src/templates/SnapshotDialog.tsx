import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api/http";
import type { Capsule, Template } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { useDialogForm, usePolled } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

/**
 * Saves a running or paused capsule as a team template (spec §5.3). The server may take up to
 * 55 s (a running capsule is paused for the capture, then resumed), so the wait is shown.
 */
export function SnapshotDialog({ created }: { created: () => void }) {
  const { open, show, close, action } = useDialogForm();
  const capsules = usePolled(() => (open ? get<Capsule[]>("/v1/capsules?status=running,paused") : Promise.resolve([])), [open]);
  const [capsuleId, setCapsuleId] = useState("");
  const [name, setName] = useState("");
  const [overwrite, setOverwrite] = useState(false);
  const elapsed = useElapsed(action.busy);
  const chosen = capsuleId || capsules.data?.[0]?.id || "";

  async function submit(event: Event) {
    event.preventDefault();
    const ok = await action.run(() =>
      post<Template>(`/v1/snapshots${overwrite ? "?overwrite=true" : ""}`, { sandbox_id: chosen, name: name.trim() || null }),
    );
    if (ok) {
      setName("");
      setCapsuleId("");
      setOverwrite(false);
      close();
      created();
    }
  }

  return (
    <>
      <button type="button" class="primary" onClick={show}>New from capsule</button>
      <Dialog title="New template from a capsule" open={open} onClose={close}>
        <form onSubmit={submit}>
          <ErrorNote message={capsules.error ?? action.error} />
          <label>
            Capsule (running or paused)
            <select required value={chosen} disabled={action.busy} onChange={(e) => setCapsuleId((e.currentTarget as HTMLSelectElement).value)}>
              {(capsules.data ?? []).map((c) => <option value={c.id}>{c.id} · {c.template} · {c.status}</option>)}
            </select>
          </label>
          {capsules.data?.length === 0 && <p class="hint">No capsule is running or paused.</p>}
          <label>
            Name (empty: a generated one)
            <input value={name} pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" maxLength={64} disabled={action.busy}
              title="Letters, digits, '.', '_' and '-', starting with a letter or digit"
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label class="check">
            <input type="checkbox" checked={overwrite} disabled={action.busy} onChange={(e) => setOverwrite((e.currentTarget as HTMLInputElement).checked)} />
            Replace the team's template of this name
          </label>
          <p class="hint">A running capsule is paused while its memory and disk are saved, then resumes with its processes intact.</p>
          {action.busy && (
            <p role="status" class="progress-note">
              <progress aria-label="Saving the snapshot" /> Saving the snapshot… {elapsed} s (this can take up to a minute)
            </p>
          )}
          <FormButtons label="Create template" busyLabel="Saving…" busy={action.busy} disabled={!chosen} onCancel={close} />
        </form>
      </Dialog>
    </>
  );
}

/** Whole seconds since `running` became true. */
function useElapsed(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    setSeconds(0);
    if (!running) return undefined;
    const started = Date.now();
    const timer = window.setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  return seconds;
}
