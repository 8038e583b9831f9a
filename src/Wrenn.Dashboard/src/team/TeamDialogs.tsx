import { useState } from "preact/hooks";
import { del, post } from "../api/http";
import type { Team } from "../api/types";
import { session } from "../session/session";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { useDialogForm } from "../ui/hooks";
import { exitTeam, switchTeam } from "./switch";
import { FormButtons } from "../ui/FormButtons";

/** Any user may create a team; they own it, and the session moves to it. */
export function NewTeamDialog() {
  const [name, setName] = useState("");
  const { open, show, close, action } = useDialogForm(() => setName(""));
  async function submit(event: Event) {
    event.preventDefault();
    const ok = await action.run(async () => {
      const team = await post<Team>("/v1/teams", { name: name.trim() });
      session.start(await switchTeam(team.id));
    });
    if (ok) close();
  }
  return (
    <>
      <button type="button" onClick={show}>New team</button>
      <Dialog title="New team" open={open} onClose={close}>
        <form onSubmit={submit}>
          <ErrorNote message={action.error} />
          <label>
            Name <input required maxLength={128} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <p class="hint">You become its owner, and the dashboard switches to it.</p>
          <FormButtons label="Create" busyLabel="Creating…" busy={action.busy} onCancel={close} />
        </form>
      </Dialog>
    </>
  );
}

/** The owner deletes the team after typing its name: capsules stop, templates and keys go. */
export function DeleteTeamDialog({ team }: { team: Team }) {
  const [typed, setTyped] = useState("");
  const { open, show, close, action } = useDialogForm(() => setTyped(""));
  async function submit(event: Event) {
    event.preventDefault();
    await action.run(() => exitTeam(team.id, () => del(`/v1/teams/${team.id}`)));
  }
  return (
    <>
      <button type="button" class="danger" onClick={show}>Delete team…</button>
      <Dialog title={`Delete ${team.name}`} open={open} onClose={close}>
        <form onSubmit={submit}>
          <p class="warn">
            This stops every capsule of the team and deletes its templates, builds and API keys. It cannot be undone.
          </p>
          <ErrorNote message={action.error} />
          <label>
            Type the team's name, <strong>{team.name}</strong>, to confirm
            <input value={typed} autoComplete="off" onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <div class="buttons">
            <button type="button" onClick={close}>Cancel</button>
            <button type="submit" class="danger" disabled={action.busy || typed !== team.name}>
              {action.busy ? "Deleting…" : "Delete team"}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
