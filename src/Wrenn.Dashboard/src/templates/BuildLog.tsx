import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { openStream, type StreamMessage } from "../api/socket";
import type { BuildStatus, BuildStep } from "../api/types";
import { buildPath, duration, isFinished } from "./buildParts";

/** A step of the log: finished (everything known), or running (its output so far). */
export type LogStep = Partial<BuildStep> & { step: number; stdout: string; stderr: string; done: boolean };

// The server keeps 256 KiB of each stream per step; the live view keeps as much, the newest.
const keptChars = 256 * 1024;

export const finishedSteps = (logs: BuildStep[] | null): LogStep[] => (logs ?? []).map((log) => ({ ...log, done: true }));

/**
 * Follows a running build's log over its WebSocket (docs/builds.md): the steps so far, then the
 * running step's output as produced, each step as it ends, and status messages; the server closes
 * after the last status. `statusChanged` runs on every status message, to re-read the build.
 */
export function useBuildLog(id: string, follow: boolean, statusChanged: () => void) {
  const [steps, setSteps] = useState<LogStep[]>([]);
  const [state, setState] = useState<"connecting" | "live" | "ended" | "lost">("connecting");
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const changed = useRef(statusChanged);
  changed.current = statusChanged;

  useEffect(() => {
    if (!follow) return undefined;
    // Every connection starts with the whole log so far: begin afresh.
    setSteps([]);
    setError(null);
    setState("connecting");
    let ended = false;
    const receive = (message: StreamMessage) => {
      if (message.type === "step") {
        const log = message as unknown as BuildStep;
        setSteps((all) => [...all.filter((s) => s.step !== log.step), { ...log, done: true }].sort((a, b) => a.step - b.step));
      } else if (message.type === "output") {
        const { step, stream, data } = message as unknown as { step: number; stream: "stdout" | "stderr"; data: string };
        setSteps((all) => appendOutput(all, step, stream, data));
      } else if (message.type === "status") {
        setState("live");
        if (isFinished(message.status as BuildStatus)) ended = true;
        changed.current();
      } else if (message.type === "error") {
        setError(String(message.data));
      }
    };
    const socket = openStream(`${buildPath(id)}/logs`, receive, () => {
      setState(ended ? "ended" : "lost");
      if (!ended) changed.current();
    });
    return () => {
      socket.onmessage = null;
      socket.onclose = null;
      socket.close();
    };
  }, [id, follow, attempt]);

  return { steps, state, error, reconnect: () => setAttempt((n) => n + 1) };
}

function appendOutput(all: LogStep[], step: number, stream: "stdout" | "stderr", data: string): LogStep[] {
  const current = all.find((s) => s.step === step);
  // Output after the step's own record (a late chunk) adds nothing: the record is complete.
  if (current?.done) return all;
  const base: LogStep = current ?? { step, stdout: "", stderr: "", done: false };
  const updated = { ...base, [stream]: (base[stream] + data).slice(-keptChars) };
  return [...all.filter((s) => s.step !== step), updated].sort((a, b) => a.step - b.step);
}

/** The steps, each with its command, result and output. */
export function StepList({ steps }: { steps: LogStep[] }) {
  return (
    <ol class="build-steps">
      {steps.map((s) => (
        <li key={s.step} data-step={s.step}>
          <div class="step-head">
            <span class="hint">{s.step}.</span>
            {s.phase && s.phase !== "recipe" && <span class="hint">{s.phase}</span>}
            <code>{s.cmd ?? "…"}</code>
            {s.done ? (
              <span class={`status status-${s.ok ? "success" : "failed"}`}>{s.ok ? "ok" : `exit ${s.exit}`}</span>
            ) : (
              <span class="status status-running">running</span>
            )}
            {s.done && <span class="hint">{duration(s.elapsed_ms)}</span>}
          </div>
          {(s.stdout || s.stderr) && <Output stdout={s.stdout} stderr={s.stderr} follow={!s.done} />}
        </li>
      ))}
    </ol>
  );
}

/** A step's output; while it grows, stays scrolled to the end unless the reader scrolled up. */
function Output({ stdout, stderr, follow }: { stdout: string; stderr: string; follow: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const pre = ref.current;
    if (pre && follow && atEnd.current) pre.scrollTop = pre.scrollHeight;
  }, [stdout, stderr, follow]);
  const scrolled = () => {
    const pre = ref.current;
    if (pre) atEnd.current = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  };
  return (
    <pre class="log" ref={ref} onScroll={scrolled} tabIndex={0} aria-label="Step output">
      {stdout}
      {stderr && <span class="stderr">{stderr}</span>}
    </pre>
  );
}
