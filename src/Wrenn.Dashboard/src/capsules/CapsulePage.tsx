import { useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { ApiError, get } from "../api/http";
import type { Capsule } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { usePolled } from "../ui/hooks";
import { Tabs, tabPanel, type TabItem } from "../ui/Tabs";
import { CapsuleFacts } from "./CapsuleFacts";
import { Charts } from "./Charts";
import { Files } from "./Files";
import { LifecycleButtons } from "./LifecycleButtons";
import { NotRunning } from "./NotRunning";
import { Processes } from "./Processes";
import { StatusBadge } from "./StatusBadge";
import { Terminal } from "./Terminal";

// Status changes must show within a second of happening: the capsule is re-read twice a second.
const refreshMs = 500;

type TabName = "terminal" | "files" | "processes" | "metrics";
const tabs: TabItem<TabName>[] = [
  { id: "terminal", label: "Terminal" },
  { id: "files", label: "Files" },
  { id: "processes", label: "Processes" },
  { id: "metrics", label: "Metrics" },
];

/**
 * A capsule that is absent (or another team's) reads as null rather than as a failure. The ID
 * comes decoded from the page's URL: encoded, a link's "..%2F" cannot aim the request elsewhere.
 */
async function loadCapsule(id: string): Promise<Capsule | null> {
  try {
    return await get<Capsule>(`/v1/capsules/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function CapsulePage() {
  const { params } = useRoute();
  // Keyed by id: another capsule's page starts afresh (its own terminal, tab and folder).
  return <CapsuleView key={params.id} id={params.id} />;
}

function CapsuleView({ id }: { id: string }) {
  const capsule = usePolled(() => loadCapsule(id), [id], refreshMs);
  const { route } = useLocation();
  const [tab, setTab] = useState<TabName>("terminal");
  // Once opened, the terminal stays mounted (hidden on other tabs, kept through a pause) so that
  // its screen and its session outlive a look at another tab.
  const terminalOpened = useRef(false);

  const back = <a href="/capsules">Back to capsules</a>;
  if (capsule.data === null) {
    return (
      <section>
        <h1>Capsule not found</h1>
        <p>There is no capsule <span class="mono">{id}</span> in this team. {back}.</p>
      </section>
    );
  }
  if (capsule.data === undefined) {
    return capsule.error ? <section><ErrorNote message={capsule.error} /><p>{back}</p></section> : <p class="hint">Loading…</p>;
  }

  const current = capsule.data;
  const running = current.status === "running";
  if (tab === "terminal" && running) terminalOpened.current = true;
  return (
    <section aria-labelledby="capsule-title" data-capsule={current.id}>
      <p class="back"><a href="/capsules">← Capsules</a></p>
      <div class="title-row">
        <h1 id="capsule-title"><span class="mono">{current.id}</span></h1>
        <span class="actions">
          <StatusBadge status={current.status} reason={current.status_reason} />
          <LifecycleButtons capsule={current} changed={capsule.reload} deleted={() => route("/capsules")} />
        </span>
      </div>
      {/* A failed re-read keeps the last known state on screen, under the failure's message. */}
      <ErrorNote message={capsule.error} />
      <CapsuleFacts capsule={current} />

      <Tabs label="Capsule tools" prefix="capsule" tabs={tabs} selected={tab} onSelect={setTab} />
      <div {...tabPanel("capsule", "terminal", tab)}>
        {!running && <NotRunning capsule={current} purpose="use the terminal" />}
        {terminalOpened.current && <Terminal capsuleId={current.id} running={running} />}
      </div>
      <div {...tabPanel("capsule", "files", tab)}>
        {tab === "files" && (running ? <Files capsuleId={current.id} /> : <NotRunning capsule={current} purpose="browse its files" />)}
      </div>
      <div {...tabPanel("capsule", "processes", tab)}>
        {tab === "processes" && (running ? <Processes capsuleId={current.id} /> : <NotRunning capsule={current} purpose="see its processes" />)}
      </div>
      <div {...tabPanel("capsule", "metrics", tab)}>
        {/* Metrics are kept by the server and readable in any status. */}
        {tab === "metrics" && <Charts capsuleId={current.id} />}
      </div>
    </section>
  );
}
