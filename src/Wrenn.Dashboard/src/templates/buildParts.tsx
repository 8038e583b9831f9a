import type { Build, BuildStatus } from "../api/types";

export const isFinished = (status: BuildStatus) => status === "success" || status === "failed" || status === "cancelled";

export const buildPath = (id: string) => `/v1/builds/${encodeURIComponent(id)}`;

/** "2 min 5 s" for a build's or a step's duration. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function BuildBadge({ build }: { build: Build }) {
  return (
    <span class="actions">
      <span class={`status status-${build.status}`} data-status={build.status} title={build.error ?? undefined}>{build.status}</span>
      {build.status === "running" && build.total_steps > 0 && <span class="hint">step {build.current_step} of {build.total_steps}</span>}
      {build.cached && <span class="hint">reused</span>}
    </span>
  );
}
