import { del, get } from "../api/http";
import type { Template } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, bytes, fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";
import { SnapshotDialog } from "./SnapshotDialog";

// Builds add templates while the page is open: re-read now and then.
const refreshMs = 10000;

/** Platform and team templates (spec §5): list, snapshot a capsule into one, delete the team's. */
export function TemplateList() {
  const teamId = session.value!.team_id;
  const templates = usePolled(() => get<Template[]>("/v1/snapshots"), [teamId], refreshMs);
  return (
    <section aria-labelledby="templates-title">
      <div class="title-row">
        <h1 id="templates-title">Templates</h1>
        <SnapshotDialog created={templates.reload} />
      </div>
      <ErrorNote message={templates.error} />
      <table class="list">
        <thead>
          <tr><th>Name</th><th>Type</th><th>Owner</th><th>Size</th><th>Capsule size</th><th>Created</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {(templates.data ?? []).map((template) => (
            <tr key={template.name} data-template={template.name}>
              <td class="mono">{template.name}</td>
              <td>{template.type}</td>
              <td>{template.platform ? "platform" : "team"}</td>
              <td>{bytes(template.size_bytes)}</td>
              <td>{template.vcpus === null ? <span class="hint">chosen at create</span> : `${template.vcpus} vCPU · ${template.memory_mb} MiB`}</td>
              <td title={fullTime(template.created_at)}>{ago(template.created_at)}</td>
              <td>{!template.platform && <DeleteTemplate template={template} deleted={templates.reload} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {templates.data?.length === 0 && <p class="empty">No templates.</p>}
    </section>
  );
}

function DeleteTemplate({ template, deleted }: { template: Template; deleted: () => void }) {
  const action = useAction();
  async function remove() {
    if (!confirm(`Delete the template ${template.name}? Capsules already created from it keep working.`)) return;
    if (await action.run(() => del(`/v1/snapshots/${encodeURIComponent(template.name)}`))) deleted();
  }
  return (
    <span class="actions">
      <button type="button" class="danger" disabled={action.busy} onClick={remove} aria-label={`Delete ${template.name}`}>Delete</button>
      <ErrorNote message={action.error} />
    </span>
  );
}
