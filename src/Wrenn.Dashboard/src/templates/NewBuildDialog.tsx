import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { call, get } from "../api/http";
import type { Build, BuildRequest, Template } from "../api/types";
import { session } from "../session/session";
import { Dialog } from "../ui/Dialog";
import { ErrorNote } from "../ui/ErrorNote";
import { useDialogForm, usePolled } from "../ui/hooks";
import { FormButtons } from "../ui/FormButtons";

const example = "RUN pip install flask\nWORKDIR app\nCOPY app.py .\nSTART python app.py";

/**
 * Starts a recipe build (docs/builds.md): JSON, or multipart with the archive COPY reads from.
 * The server parses the recipe at once, so a bad line comes back as this form's error.
 */
export function NewBuildDialog() {
  const me = session.value!;
  const { open, show, close, action } = useDialogForm();
  const [base, setBase] = useState("minimal");
  const templates = usePolled(() => (open ? get<Template[]>("/v1/snapshots") : Promise.resolve([])), [open]);
  const { route } = useLocation();
  // A snapshot base fixes the capsule's size.
  const fixed = templates.data?.find((t) => t.name === base)?.type === "snapshot";

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    // Every line is sent, blank ones too, so that the server's "recipe line N" is the text area's line N.
    const recipe = String(form.get("recipe") ?? "").replace(/\s+$/, "").split(/\r?\n/);
    const config: BuildRequest = {
      name: text("name"),
      base_template: base,
      recipe,
      healthcheck: text("healthcheck") || null,
      vcpus: fixed ? null : Number(form.get("vcpus")),
      memory_mb: fixed ? null : Number(form.get("memory_mb")),
      skip_pre_post: form.get("skip_pre_post") === "on",
    };
    const archive = form.get("archive");
    let body: BuildRequest | FormData = config;
    if (archive instanceof File && archive.size > 0) {
      // The server reads the config part before the archive: the order matters.
      body = new FormData();
      body.append("config", JSON.stringify(config));
      body.append("archive", archive);
    }
    const path = form.get("platform") === "on" ? "/v1/admin/builds" : "/v1/builds";
    let build: Build | undefined;
    if (await action.run(async () => (build = await call<Build>("POST", path, body)))) {
      close();
      route(`/templates/builds/${build!.id}`);
    }
  }

  return (
    <>
      <button type="button" class="primary" onClick={show}>New build</button>
      <Dialog title="New template build" open={open} onClose={close}>
        <form onSubmit={submit} class="wide">
          <ErrorNote message={templates.error ?? action.error} />
          <label>
            Template name
            <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" maxLength={64}
              title="Letters, digits, '.', '_' and '-', starting with a letter or digit" />
          </label>
          <label>
            Base template
            <select value={base} onChange={(e) => setBase((e.currentTarget as HTMLSelectElement).value)}>
              {(templates.data?.length ? templates.data : [{ name: "minimal" } as Template]).map((t) => (
                <option value={t.name}>{t.name}{t.platform ? "" : " (team)"}</option>
              ))}
            </select>
          </label>
          <label>
            Recipe (one instruction per line: RUN, START, ENV, WORKDIR, USER, COPY)
            <textarea name="recipe" required rows={9} class="mono" spellcheck={false} placeholder={example} />
          </label>
          <label>
            Healthcheck (optional)
            <input name="healthcheck" class="mono" placeholder="--interval=3s --retries=10 curl -fs localhost:5000" />
          </label>
          <div class="row">
            <label>vCPUs <input name="vcpus" type="number" min={1} max={64} defaultValue={1} disabled={fixed} /></label>
            <label>Memory (MiB) <input name="memory_mb" type="number" min={128} step={128} defaultValue={512} disabled={fixed} /></label>
          </div>
          {fixed && <p class="hint">A snapshot base fixes the size.</p>}
          <label>
            Files for COPY (optional: tar, tar.gz or zip, at most 100 MB)
            <input name="archive" type="file" accept=".tar,.tar.gz,.tgz,.zip,application/zip,application/x-tar,application/gzip" />
          </label>
          <label class="check"><input name="skip_pre_post" type="checkbox" /> Skip the fixed steps (apt update, the wrenn-user user, cleanup)</label>
          {me.is_admin && (
            <label class="check"><input name="platform" type="checkbox" /> Platform template (every team sees it; admins only)</label>
          )}
          <FormButtons label="Start build" busyLabel="Starting…" busy={action.busy} onCancel={close} />
        </form>
      </Dialog>
    </>
  );
}
