import { del, get } from "../api/http";
import type { ApiKey, TeamDetail } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";
import { NewKeyDialog } from "./NewKeyDialog";

/** The team's API keys (spec §7.3): list, create (plaintext shown once), revoke. */
export function Keys() {
  const me = session.value!;
  const keys = usePolled(() => get<ApiKey[]>("/v1/api-keys"), [me.team_id]);
  // The team read gives the caller's current role and the names behind created_by's user IDs.
  const team = usePolled(() => get<TeamDetail>(`/v1/teams/${me.team_id}`), [me.team_id]);
  const role = team.data?.team.role ?? me.role;
  const names = new Map((team.data?.members ?? []).map((m) => [m.user_id, m.name || m.email]));
  // Members may revoke only their own keys; the server refuses the rest anyway.
  const mayRevoke = (key: ApiKey) => role !== "member" || key.created_by === me.user_id;

  return (
    <section aria-labelledby="keys-title">
      <div class="title-row">
        <h1 id="keys-title">API keys</h1>
        <NewKeyDialog created={keys.reload} />
      </div>
      <ErrorNote message={keys.error} />
      <table class="list">
        <thead>
          <tr><th>Name</th><th>Prefix</th><th>Created by</th><th>Created</th><th>Last used</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((key) => (
            <tr key={key.id} data-key-id={key.id}>
              <td>{key.name}</td>
              <td class="mono">{key.key_prefix}…</td>
              <td>{key.created_by ? names.get(key.created_by) ?? <span class="mono">{key.created_by}</span> : "the server"}</td>
              <td title={fullTime(key.created_at)}>{ago(key.created_at)}</td>
              <td title={fullTime(key.last_used_at)}>{key.last_used_at ? ago(key.last_used_at) : "never"}</td>
              <td>{mayRevoke(key) && <RevokeButton apiKey={key} revoked={keys.reload} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.data?.length === 0 && <p class="empty">No API keys yet.</p>}
    </section>
  );
}

function RevokeButton({ apiKey, revoked }: { apiKey: ApiKey; revoked: () => void }) {
  const action = useAction();
  async function revoke() {
    if (!confirm(`Revoke the API key "${apiKey.name}" (${apiKey.key_prefix}…)? Programs using it stop working at once.`)) return;
    if (await action.run(() => del(`/v1/api-keys/${apiKey.id}`))) revoked();
  }
  return (
    <span class="actions">
      <button type="button" class="danger" disabled={action.busy} onClick={revoke} aria-label={`Revoke ${apiKey.name}`}>Revoke</button>
      <ErrorNote message={action.error} />
    </span>
  );
}
