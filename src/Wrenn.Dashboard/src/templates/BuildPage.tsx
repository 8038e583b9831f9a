import { useLocation } from "preact-iso";
import { del, get, post } from "../api/http";
import type { Build } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { bytes, fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";
import { BuildBadge, buildPath, duration, isFinished } from "./buildParts";
import { finishedSteps, StepList, useBuildLog } from "./BuildLog";

/** One build: its facts, recipe and log (live while it runs), with cancel and delete. */
export function BuildPage({ id }: { id: string }) {
  const build = usePolled(() => get<Build>(buildPath(id)), [id]);
  const b = build.data;
  const running = b !== undefined && !isFinished(b.status);
  // The build is re-read when the stream reports a new status or breaks, not polled: with its
  // logs it can be large. The step in progress is the stream's latest.
  const log = useBuildLog(id, running, build.reload);
  const latest = log.steps.reduce((most, s) => Math.max(most, s.step), 0);

  return (
    <section aria-labelledby="build-title">
      <p><a href="/templates">← Templates and builds</a></p>
      <div class="title-row">
        <h1 id="build-title">Build {b ? <span class="mono">{b.name}</span> : <span class="mono">{id}</span>}</h1>
        {b && <BuildButtons build={b} changed={build.reload} />}
      </div>
      <ErrorNote message={build.error} />
      {b && (
        <>
          <BuildFacts build={running ? { ...b, current_step: Math.max(b.current_step, latest) } : b} />
          <h2>Recipe</h2>
          <pre class="command">{b.recipe.join("\n")}</pre>
          {b.healthcheck && <p>Healthcheck: <code>{b.healthcheck}</code></p>}
          <h2>Log</h2>
          {running && <LogState state={log.state} error={log.error} reconnect={log.reconnect} />}
          <StepList steps={running ? log.steps : finishedSteps(b.logs)} />
          {!running && (b.logs ?? []).length === 0 && <p class="empty">No steps ran{b.cached ? ": the template of an identical earlier build was reused" : ""}.</p>}
        </>
      )}
    </section>
  );
}

function BuildFacts({ build: b }: { build: Build }) {
  return (
    <dl class="facts">
      <dt>Status</dt><dd><BuildBadge build={b} /></dd>
      {b.error && b.status !== "cancelled" && <><dt>Error</dt><dd class="error-text">{b.error}</dd></>}
      <dt>Template</dt><dd class="mono">{b.template ?? "—"}{b.platform && <span class="hint"> (platform)</span>}</dd>
      <dt>Base</dt><dd class="mono">{b.base_template}</dd>
      <dt>Capsule size</dt><dd>{b.vcpus} vCPU · {b.memory_mb} MiB</dd>
      {b.size_bytes !== null && <><dt>Template size</dt><dd>{bytes(b.size_bytes)}</dd></>}
      {b.sandbox_id && !isFinished(b.status) && <><dt>Build capsule</dt><dd><a class="mono" href={`/capsules/${b.sandbox_id}`}>{b.sandbox_id}</a></dd></>}
      {b.cached_from && <><dt>Reused from</dt><dd><a class="mono" href={`/templates/builds/${b.cached_from}`}>{b.cached_from}</a></dd></>}
      <dt>Created</dt><dd>{fullTime(b.created_at)}</dd>
      {b.started_at && <><dt>Started</dt><dd>{fullTime(b.started_at)}</dd></>}
      {b.completed_at && <><dt>Finished</dt><dd>{fullTime(b.completed_at)} ({duration(b.duration_ms)})</dd></>}
      {b.status === "success" && <><dt>Runs as</dt><dd class="mono">{b.default_user}</dd></>}
    </dl>
  );
}

function BuildButtons({ build, changed }: { build: Build; changed: () => void }) {
  const action = useAction();
  const { route } = useLocation();
  async function cancel() {
    if (!confirm(`Cancel the build of ${build.name}? Its capsule is deleted and no template is saved.`)) return;
    await action.run(() => post(`${buildPath(build.id)}/cancel`));
    changed();
  }
  async function remove() {
    if (!confirm(`Delete this build and its log? The template ${build.template ?? ""} stays.`)) return;
    if (await action.run(() => del(buildPath(build.id)))) route("/templates");
  }
  return (
    <span class="actions">
      {isFinished(build.status)
        ? <button type="button" class="danger" disabled={action.busy} onClick={remove}>Delete build</button>
        : <button type="button" class="danger" disabled={action.busy} onClick={cancel}>Cancel build</button>}
      <ErrorNote message={action.error} />
    </span>
  );
}

function LogState({ state, error, reconnect }: { state: string; error: string | null; reconnect: () => void }) {
  return (
    <>
      <ErrorNote message={error} />
      <div class="actions" role="status">
          {state === "connecting" && <span class="hint">Connecting to the live log…</span>}
        {state === "live" && <span class="hint">Following the log live.</span>}
        {state === "lost" && (
          <>
            <span class="warn">The live log was interrupted.</span>
            <button type="button" onClick={reconnect}>Reconnect</button>
          </>
        )}
      </div>
    </>
  );
}
