import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { get, post } from "../api/http";
import type { Capsule, Template } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { useDialogForm, usePolled } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

/** The create form (spec §4.1): template, size (base templates only) and inactivity timeout. */
export function CreateCapsule({ created }: { created: () => void }) {
  const { open, show, close, action } = useDialogForm();
  const [template, setTemplate] = useState("minimal");
  // Read when the dialog opens: the list page mounts this form, closed, on every visit.
  const templates = usePolled(() => (open ? get<Template[]>("/v1/snapshots") : Promise.resolve(undefined)), [open]);
  const { route } = useLocation();
  const chosen = templates.data?.find((t) => t.name === template);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const number = (name: string) => Number(form.get(name) ?? 0);
    let capsule: Capsule | undefined;
    const ok = await action.run(async () => {
      capsule = await post<Capsule>("/v1/capsules", {
        template,
        vcpus: number("vcpus"),
        memory_mb: number("memory_mb"),
        timeout_sec: number("timeout_sec"),
      });
    });
    if (ok && capsule) {
      close();
      created();
      route(`/capsules/${capsule.id}`);
    }
  }

  const fixed = chosen?.type === "snapshot";
  return (
    <>
      <button type="button" class="primary" onClick={show}>New capsule</button>
      <Dialog title="New capsule" open={open} onClose={close}>
        <form onSubmit={submit}>
          <ErrorNote message={templates.error ?? action.error} />
          <label>
            Template
            <select name="template" value={template} onChange={(e) => setTemplate((e.currentTarget as HTMLSelectElement).value)}>
              {(templates.data ?? [{ name: "minimal" } as Template]).map((t) => (
                <option value={t.name}>{t.name}{t.platform ? "" : " (team)"}</option>
              ))}
            </select>
          </label>
          {/* defaultValue, not value: the list behind re-renders this twice a second, and a value
              would undo what was typed. A snapshot's fixed size shows in separate disabled inputs. */}
          <label>
            vCPUs {fixed
              ? <input key="fixed" type="number" value={chosen?.vcpus ?? ""} disabled />
              : <input key="typed" name="vcpus" type="number" min={1} max={64} defaultValue={1} />}
          </label>
          <label>
            Memory (MiB) {fixed
              ? <input key="fixed" type="number" value={chosen?.memory_mb ?? ""} disabled />
              : <input key="typed" name="memory_mb" type="number" min={128} step={128} defaultValue={512} />}
          </label>
          {fixed && <p class="hint">A snapshot template fixes its size.</p>}
          <label>
            Pause after idle (seconds, 0 = never) <input name="timeout_sec" type="number" min={0} max={86400} defaultValue={300} />
          </label>
          <FormButtons label="Create" busyLabel="Creating…" busy={action.busy} onCancel={close} />
        </form>
      </Dialog>
    </>
  );
}
