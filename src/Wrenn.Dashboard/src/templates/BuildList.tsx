import { get } from "../api/http";
import type { Build } from "../api/types";
import { session } from "../session/session";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, fullTime } from "../ui/format";
import { usePolled } from "../ui/hooks";
import { BuildBadge, duration } from "./buildParts";
import { NewBuildDialog } from "./NewBuildDialog";

// A build's status moves on its own; a queued build waits for the one before it.
const refreshMs = 5000;

/** The team's recipe builds (docs/builds.md) and, for platform admins, every platform build. */
export function BuildList() {
  const me = session.value!;
  const builds = usePolled(() => get<Build[]>("/v1/builds"), [me.team_id], refreshMs);
  return (
    <section aria-labelledby="builds-title">
      <div class="title-row">
        <h2 id="builds-title">Builds</h2>
        <NewBuildDialog />
      </div>
      <ErrorNote message={builds.error} />
      <BuildTable builds={builds.data} empty="No builds yet: a build runs a recipe in a capsule and saves the result as a template." />
      {me.is_admin && <PlatformBuilds />}
    </section>
  );
}

function PlatformBuilds() {
  const builds = usePolled(() => get<Build[]>("/v1/admin/builds"), [], refreshMs);
  return (
    <section aria-labelledby="platform-builds-title">
      <h2 id="platform-builds-title">Platform builds</h2>
      <p class="hint">Every admin's builds of platform templates; each one's log opens from the team it was started in.</p>
      <ErrorNote message={builds.error} />
      <BuildTable builds={builds.data} empty="No platform builds." />
    </section>
  );
}

function BuildTable({ builds, empty }: { builds: Build[] | undefined; empty: string }) {
  return (
    <>
      <table class="list">
        <thead>
          <tr><th>Name</th><th>Status</th><th>Base</th><th>Size</th><th>Created</th><th>Duration</th></tr>
        </thead>
        <tbody>
          {(builds ?? []).map((build) => (
            <tr key={build.id} data-build-id={build.id}>
              <td>
                <a href={`/templates/builds/${build.id}`} class="mono">{build.name}</a>
                {build.platform && <span class="hint"> (platform)</span>}
              </td>
              <td><BuildBadge build={build} /></td>
              <td class="mono">{build.base_template}</td>
              <td>{build.vcpus} vCPU · {build.memory_mb} MiB</td>
              <td title={fullTime(build.created_at)}>{ago(build.created_at)}</td>
              <td>{duration(build.duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {builds?.length === 0 && <p class="empty">{empty}</p>}
    </>
  );
}
