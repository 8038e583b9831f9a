import type { Capsule } from "../api/types";
import { ago, fullTime } from "../ui/format";

function idle(seconds: number): string {
  if (seconds === 0) return "never pauses on its own";
  const span = seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
  return `pauses after ${span} idle`;
}

function When({ at }: { at: string | null }) {
  return <span title={fullTime(at)}>{ago(at)}</span>;
}

/** The capsule's record: size, timing, why it is in its status, and what runtime it has. */
export function CapsuleFacts({ capsule }: { capsule: Capsule }) {
  const metadata = Object.entries(capsule.metadata);
  return (
    <dl class="facts">
      <dt>Template</dt>
      <dd>{capsule.template}</dd>
      <dt>Size</dt>
      <dd>{capsule.vcpus} vCPU · {capsule.memory_mb} MiB</dd>
      <dt>Idle timeout</dt>
      <dd>{idle(capsule.timeout_sec)}</dd>
      <dt>Created</dt>
      <dd><When at={capsule.created_at} /></dd>
      <dt>Started</dt>
      <dd><When at={capsule.started_at} /></dd>
      <dt>Last active</dt>
      <dd><When at={capsule.last_active_at} /></dd>
      <dt>Status reason</dt>
      <dd data-field="status_reason">{capsule.status_reason ?? "—"}</dd>
      {metadata.map(([key, value]) => (
        <>
          <dt class="mono">{key}</dt>
          <dd class="mono">{value}</dd>
        </>
      ))}
    </dl>
  );
}
