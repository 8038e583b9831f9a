import { useState } from "preact/hooks";
import { post } from "../api/http";
import type { HostToken } from "../api/types";
import { session } from "../session/session";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { ShownOnce } from "../ui/ShownOnce";
import { useDialogForm } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

/**
 * Creates a pending host; its registration token goes to `issued`. Regular hosts are a platform
 * admin's; a team's own (BYOC) host belongs to the session's team.
 */
export function AddHostDialog({ issued }: { issued: (token: HostToken) => void }) {
  const me = session.value!;
  const [type, setType] = useState(me.is_admin ? "regular" : "byoc");
  const { open, show, close, action } = useDialogForm();

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    let reply: HostToken | undefined;
    const ok = await action.run(async () => {
      reply = await post<HostToken>("/v1/hosts", {
        type,
        team_id: type === "byoc" ? me.team_id : null,
        provider: text("provider"),
        availability_zone: text("availability_zone"),
      });
    });
    if (ok && reply) {
      close();
      issued(reply);
    }
  }

  return (
    <>
      <button type="button" class="primary" onClick={show}>Add host</button>
      <Dialog title="Add host" open={open} onClose={close}>
        <form onSubmit={submit}>
          <ErrorNote message={action.error} />
          <label>
            Type
            <select value={type} onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}>
              {me.is_admin && <option value="regular">regular (the platform's)</option>}
              <option value="byoc">byoc (this team's own)</option>
            </select>
          </label>
          <label>Provider (optional) <input name="provider" maxLength={64} /></label>
          <label>Availability zone (optional) <input name="availability_zone" maxLength={64} /></label>
          <p class="hint">The host is pending until its agent registers with the one-time token shown next.</p>
          <FormButtons label="Add" busyLabel="Adding…" busy={action.busy} onCancel={close} />
        </form>
      </Dialog>
    </>
  );
}

/** A registration token, shown once, with the agent command that uses it (docs/multi-host.md). */
export function TokenDialog({ token, close }: { token: HostToken | null; close: () => void }) {
  return (
    <Dialog title="Registration token" open={token !== null} onClose={close}>
      {token && (
        <div>
          <p>For host <span class="mono">{token.host.id}</span>; valid for one hour and one registration.</p>
          <ShownOnce value={token.registration_token} what="registration token" testId="registration-token" />
          <p class="hint">On the new machine:</p>
          <pre class="command">
            {`./wrenn agent --control-plane ${location.origin} \\\n  --registration-token <token> --data-dir /var/lib/wrenn \\\n  --listen 0.0.0.0:7443 --advertise <name>:7443`}
          </pre>
          <div class="buttons">
            <button type="button" class="primary" onClick={close}>Done</button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
