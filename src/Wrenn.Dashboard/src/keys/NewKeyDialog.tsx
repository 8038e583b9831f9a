import { useState } from "preact/hooks";
import { post } from "../api/http";
import type { CreatedApiKey } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { ShownOnce } from "../ui/ShownOnce";
import { useDialogForm } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

/** Creates a key, then shows its plaintext: the create reply is the only place it ever appears. */
export function NewKeyDialog({ created }: { created: () => void }) {
  const [name, setName] = useState("");
  const [key, setKey] = useState<CreatedApiKey | null>(null);
  // Closing forgets the plaintext as soon as the dialog goes away.
  const { open, show, close, action } = useDialogForm(() => {
    setKey(null);
    setName("");
  });

  async function submit(event: Event) {
    event.preventDefault();
    await action.run(async () => {
      setKey(await post<CreatedApiKey>("/v1/api-keys", name.trim() ? { name: name.trim() } : {}));
      created();
    });
  }

  return (
    <>
      <button type="button" class="primary" onClick={show}>New API key</button>
      <Dialog title={key ? `API key ${key.name}` : "New API key"} open={open} onClose={close}>
        {key ? (
          <div>
            <ShownOnce value={key.key} what="API key" testId="new-key" />
            <p class="hint">Send it in the <code>X-API-Key</code> header; it acts for this team.</p>
            <div class="buttons">
              <button type="button" class="primary" onClick={close}>Done</button>
            </div>
          </div>
        ) : (
          <form onSubmit={submit}>
            <ErrorNote message={action.error} />
            <label>
              Name
              <input value={name} maxLength={100} placeholder="Unnamed API Key" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <FormButtons label="Create" busyLabel="Creating…" busy={action.busy} onCancel={close} />
          </form>
        )}
      </Dialog>
    </>
  );
}
